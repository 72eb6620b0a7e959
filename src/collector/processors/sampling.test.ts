import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../server/index.js';
import type { ExportRequest } from '../pipeline/consumer.js';
import { CollectorMetrics } from '../telemetry/collector-metrics.js';
import { murmur3, probabilisticSamplerFactory } from './probabilistic-sampler.js';
import { parseResourceAttributesEnv } from './resource-detection.js';

const env = () => ({ logger: silentLogger(), telemetry: new CollectorMetrics(), dataDir: '', storage: () => undefined, ports: {} });

describe('probabilistic_sampler', () => {
  it('MurmurHash3 x86_32 matches the reference vectors', () => {
    expect(murmur3(new Uint8Array(0), 0)).toBe(0);
    expect(murmur3(new Uint8Array(0), 1)).toBe(0x514e28b7);
    expect(murmur3(Buffer.from('hello'), 0)).toBe(0x248bfa47);
    expect(murmur3(Buffer.from('Hello, world!'), 1234)).toBe(0xfaf6cdb3);
    expect(murmur3(Buffer.from('The quick brown fox jumps over the lazy dog'), 0x9747b28c)).toBe(0x2fa826cd);
  });

  it('keeps about the configured share of traces, every span of a trace alike', async () => {
    const spans = [];
    for (let t = 0; t < 2000; t++) {
      const traceId = Buffer.alloc(16);
      traceId.writeUInt32BE(Math.imul(t, 2654435761) >>> 0, 12);
      traceId.writeUInt32BE(t, 0);
      for (let s = 0; s < 3; s++) spans.push({ traceId, spanId: Buffer.from([t & 255, s, 0, 0, 0, 0, 0, 1]), name: `t${t}` });
    }
    const data: ExportRequest = { signal: 'traces', req: { resourceSpans: [{ scopeSpans: [{ spans }] }] } };
    let out: ExportRequest | undefined;
    const p = probabilisticSamplerFactory.create('probabilistic_sampler', probabilisticSamplerFactory.schema.parse({ sampling_percentage: 25, hash_seed: 22 }), 'traces', { consume: async (d) => void (out = d) }, env());
    await p.consume(data, {});
    const kept = out?.signal === 'traces' ? out.req.resourceSpans![0].scopeSpans![0].spans! : [];
    const byTrace = new Map<string, number>();
    for (const s of kept) byTrace.set(s.name!, (byTrace.get(s.name!) ?? 0) + 1);
    expect([...byTrace.values()].every((n) => n === 3)).toBe(true);
    expect(byTrace.size).toBeGreaterThan(2000 * 0.2);
    expect(byTrace.size).toBeLessThan(2000 * 0.3);
  });
});

describe('resourcedetection env', () => {
  it('reads OTEL_RESOURCE_ATTRIBUTES with percent-decoding', () => {
    expect(parseResourceAttributesEnv('service.name=cart, deployment.environment=prod,team=a%2Cb')).toEqual([
      ['service.name', 'cart'],
      ['deployment.environment', 'prod'],
      ['team', 'a,b'],
    ]);
  });
});

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Overrides, sightlineConfigSchema, traceLimitsSchema, type TraceLimits } from '../../config/index.js';
import { silentLogger } from '../../server/index.js';
import { FilesystemObjectStore } from '../../storage/index.js';
import { Types, decodeTracesRequest, encodeTracesRequest, type ExportTraceServiceRequest, type ResourceSpans } from '../../otlp/index.js';
import { tempDir } from '../../../test/helpers/process.js';
import { pushErrorToHttp } from '../api/index.js';
import { TracePipeline } from '../pipeline.js';
import { Distributor } from './distributor.js';

const hex = (n: number) => n.toString(16).padStart(32, '0');

/** One span per listed trace (trace `n` gets span ID `n`), with a padding attribute of `pad` bytes. */
function request(traces: number[], pad = 0, spanBase = 0): ExportTraceServiceRequest {
  const start = BigInt(Date.now()) * 1_000_000n;
  return Types.ExportTraceServiceRequest.fromObject({
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'svc' } }] },
        scopeSpans: [
          {
            scope: { name: 'test' },
            spans: traces.map((t, i) => ({
              traceId: Buffer.from(hex(t), 'hex'),
              spanId: Buffer.from((spanBase + i + 1).toString(16).padStart(16, '0'), 'hex'),
              name: 'op',
              startTimeUnixNano: String(start),
              endTimeUnixNano: String(start + 1_000_000n),
              attributes: pad > 0 ? [{ key: 'pad', value: { stringValue: 'x'.repeat(pad) } }] : [],
            })),
          },
        ],
      },
    ],
  }) as unknown as ExportTraceServiceRequest;
}

async function open(defaults: Partial<TraceLimits>, perTenant: Record<string, Partial<TraceLimits>>) {
  const dir = tempDir();
  let now = Date.now();
  const p = await TracePipeline.open({
    walDir: join(dir, 'wal'),
    objectStore: new FilesystemObjectStore(join(dir, 'objects')),
    bucket: 'tempo-traces',
    logger: silentLogger(),
    overrides: new Overrides(traceLimitsSchema.parse({ ingestion_rate_limit_bytes: 0, max_bytes_per_trace: 0, ...defaults }), perTenant),
    retentionMs: 3600_000,
    maxBlockDurationMs: 60_000,
    maxBlockBytes: 1 << 30,
    now: () => now,
  });
  return { p, advance: (ms: number) => (now += ms) };
}

describe('Distributor limits (Tempo overrides, per tenant)', () => {
  it('rate-limits per tenant in bytes with its own rate and burst, refilling over time', async () => {
    const { p, advance } = await open({}, { small: { ingestion_rate_limit_bytes: 1000, ingestion_burst_size_bytes: 1500 } });
    const d = p.distributor;
    await expect(d.pushTraces('small', request([1], 600))).resolves.toEqual({ rejected: 0, message: '' });
    const err = await d.pushTraces('small', request([2], 1200)).catch((e: unknown) => e);
    expect(err).toMatchObject({ reason: 'rate_limited', message: expect.stringMatching(/^RATE_LIMITED: ingestion rate limit \(1000 bytes\) exceeded while adding \d+ bytes for user small$/) });
    expect(pushErrorToHttp(err)).toMatchObject({ status: 429 });
    // Another tenant has the (unlimited) defaults.
    await expect(d.pushTraces('big', request([3], 5000))).resolves.toEqual({ rejected: 0, message: '' });
    // A second later the bucket has refilled by 1000 bytes.
    advance(1000);
    await expect(d.pushTraces('small', request([2], 600))).resolves.toEqual({ rejected: 0, message: '' });
    expect(await p.querier.findTrace('small', hex(2))).toHaveLength(1);
    await p.close();
  });

  it('refuses spans of new traces beyond max_traces_per_user, but not spans of live ones, until the head is cut', async () => {
    const { p } = await open({ max_traces_per_user: 2 }, { roomy: { max_traces_per_user: 0 } });
    const d = p.distributor;
    expect(await d.pushTraces('t', request([1, 2]))).toEqual({ rejected: 0, message: '' });
    // Trace 1 is live (accepted), trace 3 would be the third.
    const out = await d.pushTraces('t', request([1, 3], 0, 10));
    expect(out.rejected).toBe(1);
    expect(out.message).toBe('LIVE_TRACES_EXCEEDED: max live traces exceeded for tenant t: per-user traces limit (local: 2 global: 0 actual local: 2) exceeded');
    expect(await p.querier.findTrace('t', hex(1))).toHaveLength(2);
    expect(await p.querier.findTrace('t', hex(3))).toBeUndefined();
    // Only new traces: the whole push is refused, 429 at the API (retryable).
    const err = await d.pushTraces('t', request([4, 5], 0, 20)).catch((e: unknown) => e);
    expect(err).toMatchObject({ reason: 'live_traces_exceeded' });
    expect(pushErrorToHttp(err)).toMatchObject({ status: 429 });
    // The override lifts the limit for one tenant.
    expect(await d.pushTraces('roomy', request([1, 2, 3, 4, 5]))).toEqual({ rejected: 0, message: '' });
    // Cut into a block, the traces are no longer live.
    await p.ingester.cutBlocks(true);
    expect(await d.pushTraces('t', request([4, 5], 0, 30))).toEqual({ rejected: 0, message: '' });
    await p.close();
  });

  it('refuses spans taking a trace over its tenant max_bytes_per_trace', async () => {
    const { p } = await open({ max_bytes_per_trace: 0 }, { tight: { max_bytes_per_trace: 1500 } });
    const d = p.distributor;
    expect(await d.pushTraces('tight', request([1], 1000))).toEqual({ rejected: 0, message: '' });
    const err = await d.pushTraces('tight', request([1], 1000, 5)).catch((e: unknown) => e);
    expect(err).toMatchObject({ reason: 'trace_too_large', message: expect.stringMatching(/^TRACE_TOO_LARGE: max size of trace \(1500\) exceeded while adding \d+ bytes to trace 0+1 for tenant tight$/) });
    expect(pushErrorToHttp(err)).toMatchObject({ status: 400 });
    // Unlimited by default.
    expect(await d.pushTraces('other', request([1, 1, 1], 1000))).toEqual({ rejected: 0, message: '' });
    await p.close();
  });

  it('applies block_retention per tenant, falling back to traces.retention', async () => {
    const { p, advance } = await open({}, { brief: { block_retention: 60_000 } });
    await p.distributor.pushTraces('brief', request([1]));
    await p.distributor.pushTraces('long', request([1]));
    await p.ingester.cutBlocks(true);
    advance(30 * 60_000);
    expect(await p.applyRetention()).toBe(1);
    expect(p.blocks.metas('brief')).toHaveLength(0);
    expect(p.blocks.metas('long')).toHaveLength(1);
    advance(31 * 60_000);
    expect(await p.applyRetention()).toBe(1);
    expect(p.blocks.metas('long')).toHaveLength(0);
    await p.close();
  });

  it('validates overrides like the limits, naming the path of an unknown key', () => {
    const cfg = sightlineConfigSchema.parse({ traces: { limits: { max_traces_per_user: 7 }, overrides: { a: { block_retention: '2h', max_bytes_per_trace: '1MB' } } } });
    const o = new Overrides(cfg.traces.limits, cfg.traces.overrides);
    expect(o.forTenant('a')).toMatchObject({ block_retention: 7_200_000, max_bytes_per_trace: 1 << 20, max_traces_per_user: 7, ingestion_rate_limit_bytes: 15_000_000 });
    expect(o.forTenant('b')).toMatchObject({ block_retention: 0, max_search_duration: 0, max_bytes_per_trace: 5_000_000 });
    const bad = sightlineConfigSchema.safeParse({ traces: { overrides: { a: { max_spans_per_trace: 5 } } } });
    expect(bad.success).toBe(false);
    expect(JSON.stringify(bad.error?.issues)).toContain('"traces","overrides","a"');
  });

  it("hands the ingester the request's own bytes as the WAL payload when every span was accepted, else the accepted spans encoded", async () => {
    const pushes: { payload: Uint8Array; spans: number }[] = [];
    const d = new Distributor({
      overrides: new Overrides(traceLimitsSchema.parse({ ingestion_rate_limit_bytes: 0, max_bytes_per_trace: 0 }), {}),
      ingester: {
        liveTraceBytes: () => 0,
        isLive: () => false,
        liveTraceCount: () => 0,
        push: (_t: string, rs: ResourceSpans[], payload: Uint8Array) => void pushes.push({ payload, spans: rs.flatMap((r) => r.scopeSpans!.flatMap((ss) => ss.spans!)).length }),
      },
    });
    const body = Buffer.from(encodeTracesRequest(request([1, 2, 3])));
    await d.pushTraces('t', decodeTracesRequest(body));
    expect(pushes[0].payload).toBe(body);
    // One span with an invalid (zero) trace ID is refused: the payload holds the other two only.
    const withBad = Buffer.from(encodeTracesRequest(request([1, 0, 3])));
    expect(await d.pushTraces('t', decodeTracesRequest(withBad))).toMatchObject({ rejected: 1 });
    expect(pushes[1].payload).not.toBe(withBad);
    const replayed = decodeTracesRequest(pushes[1].payload).resourceSpans!.flatMap((r) => r.scopeSpans!.flatMap((ss) => ss.spans!.map((s) => Buffer.from(s.traceId!).toString('hex'))));
    expect(replayed).toEqual([hex(1), hex(3)]);
    // A request built in memory (OTLP/JSON, Zipkin) has no arrived bytes: encoded.
    await d.pushTraces('t', request([4]));
    expect(decodeTracesRequest(pushes[2].payload).resourceSpans).toHaveLength(1);
  });
});

import { join } from 'node:path';
import { FilesystemObjectStore } from '../../src/storage/index.js';
import { Types, type ExportTraceServiceRequest } from '../../src/otlp/index.js';
import { silentLogger } from '../../src/server/index.js';
import { Overrides, traceLimitsSchema } from '../../src/config/index.js';
import { TracePipeline, type TracePipelineOptions } from '../../src/traces/pipeline.js';

/** A trace store in `dir` (WAL, filesystem blocks) without limits and with blocks cut only when asked; `extra` overrides. */
export function openTracePipeline(dir: string, extra: Partial<TracePipelineOptions> = {}): Promise<TracePipeline> {
  return TracePipeline.open({
    walDir: join(dir, 'wal'),
    objectStore: new FilesystemObjectStore(join(dir, 'objects')),
    bucket: 'tempo-traces',
    logger: silentLogger(),
    retentionMs: 3600_000,
    maxBlockDurationMs: 60_000,
    maxBlockBytes: 1 << 30,
    overrides: new Overrides(traceLimitsSchema.parse({ ingestion_rate_limit_bytes: 0, max_bytes_per_trace: 0 })),
    ...extra,
  });
}

/**
 * `n` one-span traces from number `first`, all at `nowMs`, service `svc`, span names `op-0`…`op-6`, with three
 * attributes each: `k` (`v0000`…, `distinct` values in turn), `a` (an int) and `b` (a bool).
 */
export function attributeSpans(first: number, n: number, nowMs: number, distinct: number): ExportTraceServiceRequest {
  const start = BigInt(nowMs) * 1_000_000n;
  const spans = Array.from({ length: n }, (_, j) => {
    const i = first + j;
    return {
      traceId: Buffer.from((i + 1).toString(16).padStart(32, '0'), 'hex'),
      spanId: Buffer.from((i + 1).toString(16).padStart(16, '0'), 'hex'),
      name: `op-${i % 7}`,
      startTimeUnixNano: String(start),
      endTimeUnixNano: String(start + 1_000_000n),
      attributes: [
        { key: 'k', value: { stringValue: `v${String(i % distinct).padStart(4, '0')}` } },
        { key: 'a', value: { intValue: i % 5 } },
        { key: 'b', value: { boolValue: i % 2 === 0 } },
      ],
    };
  });
  return Types.ExportTraceServiceRequest.fromObject({ resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'svc' } }] }, scopeSpans: [{ spans }] }] }) as unknown as ExportTraceServiceRequest;
}

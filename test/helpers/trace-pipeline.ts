import { join } from 'node:path';
import { FilesystemObjectStore } from '../../src/storage/index.js';
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

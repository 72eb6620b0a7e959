/**
 * Trace block compaction bench: BLOCKS + 1 small blocks (TRACES_PER_BLOCK traces of 10 spans with 10 attributes; every
 * trace split over two consecutive blocks) are merged by `TraceStore.compact`. Prints the compaction time and rate,
 * the process's peak RSS, and trace-by-ID (p50/p99) and full-scan latency before and after.
 * Env: TRACE_COMPACTION_BLOCKS (default 20), TRACE_COMPACTION_TRACES_PER_BLOCK (default 1,000).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Types } from '../src/otlp/index.js';
import type { ExportTraceServiceRequest } from '../src/otlp/index.js';
import { silentLogger } from '../src/server/index.js';
import { FilesystemObjectStore } from '../src/storage/index.js';
import { Overrides, traceLimitsSchema } from '../src/config/index.js';
import { TracePipeline } from '../src/traces/index.js';

const BLOCKS = Number(process.env.TRACE_COMPACTION_BLOCKS ?? 20);
const PER_BLOCK = Number(process.env.TRACE_COMPACTION_TRACES_PER_BLOCK ?? 1000);

function request(traceIds: Buffer[], half: 0 | 1, t0: bigint): ExportTraceServiceRequest {
  const spans = [];
  for (const id of traceIds) {
    for (let s = half * 5; s < half * 5 + 5; s++) {
      const attributes = Array.from({ length: 10 }, (_, a) => ({ key: `attr.${a}`, value: { stringValue: `v${(s * 7 + a) % 13}` } }));
      spans.push({ traceId: id, spanId: randomBytes(8), name: `op-${s}`, kind: 2, startTimeUnixNano: String(t0), endTimeUnixNano: String(t0 + BigInt(s + 1) * 100_000_000n), attributes });
    }
  }
  return Types.ExportTraceServiceRequest.fromObject({
    resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'svc' } }] }, scopeSpans: [{ spans }] }],
  }) as unknown as ExportTraceServiceRequest;
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))];

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'sightline-compaction-bench-'));
  try {
    const store = await TracePipeline.open({
      walDir: join(dir, 'wal'),
      objectStore: new FilesystemObjectStore(join(dir, 'objects')),
      bucket: 'tempo-traces',
      logger: silentLogger(),
      retentionMs: 3650 * 86_400_000,
      maxBlockDurationMs: 3600_000,
      maxBlockBytes: 1 << 30,
      overrides: new Overrides(traceLimitsSchema.parse({ ingestion_rate_limit_bytes: 0, max_bytes_per_trace: 0 })),
      compactionMaxBlockBytes: 1 << 30,
      compactionMaxInputBlocks: BLOCKS + 1,
    });
    const t0 = BigInt(Date.now()) * 1_000_000n;
    const ids: Buffer[] = [];
    let prev: Buffer[] = [];
    for (let b = 0; b < BLOCKS; b++) {
      const fresh = Array.from({ length: PER_BLOCK / 2 }, () => randomBytes(16));
      ids.push(...fresh);
      // The second halves of the previous block's new traces, and the first halves of new ones.
      if (prev.length) await store.distributor.pushTraces('t', request(prev, 1, t0));
      await store.distributor.pushTraces('t', request(fresh, 0, t0));
      await store.ingester.cutBlocks(true);
      prev = fresh;
    }
    await store.distributor.pushTraces('t', request(prev, 1, t0));
    await store.ingester.cutBlocks(true);
    const spans = store.blocks.metas('t').reduce((n, m) => n + m.spans, 0);

    const measure = async (label: string) => {
      const lat: number[] = [];
      for (let i = 0; i < 300; i++) {
        const id = ids[(i * 7919) % ids.length].toString('hex');
        const s = performance.now();
        const got = await store.querier.findTrace('t', id);
        lat.push(performance.now() - s);
        if (got?.length !== 10) throw new Error(`trace ${id}: ${got?.length} spans`);
      }
      const s = performance.now();
      let visits = 0;
      await store.querier.scan('t', { startMs: 0, endMs: Infinity, conditions: [{ target: { kind: 'intrinsic', name: 'duration' }, op: '>', value: 500_000_000 }] }, () => (visits++, true));
      const scanMs = performance.now() - s;
      console.log(JSON.stringify({ bench: `trace_compaction_${label}`, blocks: store.blocks.metas('t').length, spans, by_id_p50_ms: +pct(lat, 50).toFixed(2), by_id_p99_ms: +pct(lat, 99).toFixed(2), scan_ms: Math.round(scanMs), scan_trace_visits: visits }));
    };
    await measure('before');
    const s = performance.now();
    const written = await store.compactor.compact();
    const secs = (performance.now() - s) / 1000;
    console.log(JSON.stringify({ bench: 'trace_compaction_merge', input_blocks: BLOCKS + 1, output_blocks: written, spans, seconds: +secs.toFixed(2), spans_per_sec: Math.round(spans / secs), rss_mb: Math.round(process.memoryUsage().rss / 2 ** 20) }));
    await measure('after');
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();

import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FilesystemObjectStore } from '../../storage/index.js';
import { silentLogger } from '../../server/index.js';
import { Types } from '../../otlp/index.js';
import type { ExportTraceServiceRequest } from '../../otlp/index.js';
import { tempDir } from '../../../test/helpers/process.js';
import { TraceStore } from './trace-store.js';

function request(traceHex: string, service: string, startMs: number): ExportTraceServiceRequest {
  const start = BigInt(startMs) * 1_000_000n;
  return Types.ExportTraceServiceRequest.fromObject({
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
        scopeSpans: [{ spans: [{ traceId: Buffer.from(traceHex, 'hex'), spanId: Buffer.from('0102030405060708', 'hex'), name: 'op', startTimeUnixNano: String(start), endTimeUnixNano: String(start + 1_000_000n) }] }],
      },
    ],
  }) as unknown as ExportTraceServiceRequest;
}

async function open(dir: string, now: () => number, extra: Partial<Parameters<typeof TraceStore.open>[0]> = {}) {
  return TraceStore.open({
    walDir: join(dir, 'wal'),
    objectStore: new FilesystemObjectStore(join(dir, 'objects')),
    bucket: 'tempo-traces',
    logger: silentLogger(),
    retentionMs: 3600_000,
    maxBlockDurationMs: 60_000,
    maxBlockBytes: 1 << 30,
    ingestionRateBytes: 0,
    ingestionBurstBytes: 0,
    maxBytesPerTrace: 0,
    now,
    ...extra,
  });
}

describe('TraceStore', () => {
  it('cuts blocks when due, truncates the WAL, evicts search columns beyond the budget and applies retention', async () => {
    const dir = tempDir();
    let now = 1_700_000_000_000;
    const store = await open(dir, () => now, { searchCacheBytes: 1 });
    await store.pushTraces('t', request('11'.repeat(16), 'a', now));
    await store.cutBlocks();
    expect(store.blockMetas('t')).toHaveLength(0); // not due yet
    now += 61_000;
    await store.pushTraces('t', request('22'.repeat(16), 'b', now));
    await store.cutBlocks();
    expect(store.blockMetas('t')).toHaveLength(1);
    expect(store.headSpanCount()).toBe(0);
    expect(readdirSync(join(dir, 'wal'))).toHaveLength(1); // only the live segment is left

    const seen: string[] = [];
    await store.scan('t', { startMs: 0, endMs: Infinity, conditions: [{ target: { kind: 'attr', scope: 'resource', key: 'service.name' }, op: '=', value: 'b' }] }, (id) => {
      seen.push(id);
      return true;
    });
    expect(seen).toEqual(['22'.repeat(16)]);
    expect(store.cachedSearchBytes()).toBe(0);
    // The budget of 1 byte evicted the columns after the scan; the block still answers.
    expect(await store.findTrace('t', '11'.repeat(16))).toHaveLength(1);

    now += 2 * 3600_000;
    expect(await store.applyRetention()).toBe(1);
    expect(store.blockMetas('t')).toHaveLength(0);
    expect(await store.findTrace('t', '22'.repeat(16))).toBeUndefined();
    await store.close();
  });

  it('refuses pushes with 429 while the head is over four blocks big', async () => {
    const dir = tempDir();
    const store = await open(dir, () => Date.now(), { maxBlockBytes: 50 });
    await expect(store.pushTraces('t', request('44'.repeat(16), 'svc', Date.now()))).resolves.toEqual({ rejected: 0, message: '' });
    await store.pushTraces('t', request('45'.repeat(16), 'svc', Date.now())).then(
      () => {},
      () => {},
    );
    const err = await store.pushTraces('t', request('46'.repeat(16), 'svc', Date.now())).catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 429, message: expect.stringContaining('LIVE_TRACES_EXCEEDED') });
    await store.close();
  });

  it('replays the WAL after a restart and keeps tenants apart', async () => {
    const dir = tempDir();
    const now = () => Date.now();
    const a = await open(dir, now);
    await a.pushTraces('x', request('33'.repeat(16), 'svc', Date.now()));
    await a.close();
    const b = await open(dir, now);
    expect(await b.findTrace('x', '33'.repeat(16))).toHaveLength(1);
    expect(await b.findTrace('y', '33'.repeat(16))).toBeUndefined();
    await b.close();
  });
});

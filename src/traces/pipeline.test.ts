import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Types } from '../otlp/index.js';
import type { ExportTraceServiceRequest } from '../otlp/index.js';
import { tempDir } from '../../test/helpers/process.js';
import { openTracePipeline } from '../../test/helpers/trace-pipeline.js';
import type { TracePipelineOptions } from './pipeline.js';
import { pushErrorToHttp } from './api/index.js';

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

const open = (dir: string, now: () => number, extra: Partial<TracePipelineOptions> = {}) => openTracePipeline(dir, { now, ...extra });

describe('TracePipeline', () => {
  it('cuts blocks when due, truncates the WAL, evicts search columns beyond the budget and applies retention', async () => {
    const dir = tempDir();
    let now = 1_700_000_000_000;
    const store = await open(dir, () => now, { searchCacheBytes: 1 });
    await store.distributor.pushTraces('t', request('11'.repeat(16), 'a', now));
    await store.ingester.cutBlocks();
    expect(store.blocks.metas('t')).toHaveLength(0); // not due yet
    now += 61_000;
    await store.distributor.pushTraces('t', request('22'.repeat(16), 'b', now));
    await store.ingester.cutBlocks();
    expect(store.blocks.metas('t')).toHaveLength(1);
    expect(store.ingester.headSpanCount()).toBe(0);
    expect(readdirSync(join(dir, 'wal'))).toHaveLength(1); // only the live segment is left

    const seen: string[] = [];
    await store.querier.scan('t', { startMs: 0, endMs: Infinity, conditions: [{ target: { kind: 'attr', scope: 'resource', key: 'service.name' }, op: '=', value: 'b' }] }, (id) => {
      seen.push(id);
      return true;
    });
    expect(seen).toEqual(['22'.repeat(16)]);
    expect(store.blocks.cachedSearchBytes()).toBe(0);
    // The budget of 1 byte evicted the columns after the scan; the block still answers.
    expect(await store.querier.findTrace('t', '11'.repeat(16))).toHaveLength(1);

    now += 2 * 3600_000;
    expect(await store.applyRetention()).toBe(1);
    expect(store.blocks.metas('t')).toHaveLength(0);
    expect(await store.querier.findTrace('t', '22'.repeat(16))).toBeUndefined();
    await store.close();
  });

  it('refuses pushes (429 at the API) while the head is over four blocks big', async () => {
    const dir = tempDir();
    const store = await open(dir, () => Date.now(), { maxBlockBytes: 50 });
    await expect(store.distributor.pushTraces('t', request('44'.repeat(16), 'svc', Date.now()))).resolves.toEqual({ rejected: 0, message: '' });
    await store.distributor.pushTraces('t', request('45'.repeat(16), 'svc', Date.now())).then(
      () => {},
      () => {},
    );
    const err = await store.distributor.pushTraces('t', request('46'.repeat(16), 'svc', Date.now())).catch((e: unknown) => e);
    expect(err).toMatchObject({ reason: 'live_traces_exceeded', message: expect.stringContaining('LIVE_TRACES_EXCEEDED') });
    expect(pushErrorToHttp(err)).toMatchObject({ status: 429, message: expect.stringContaining('LIVE_TRACES_EXCEEDED') });
    await store.close();
  });

  it('replays the WAL after a restart and keeps tenants apart', async () => {
    const dir = tempDir();
    const now = () => Date.now();
    const a = await open(dir, now);
    await a.distributor.pushTraces('x', request('33'.repeat(16), 'svc', Date.now()));
    await a.close();
    const b = await open(dir, now);
    expect(await b.querier.findTrace('x', '33'.repeat(16))).toHaveLength(1);
    expect(await b.querier.findTrace('y', '33'.repeat(16))).toBeUndefined();
    await b.close();
  });
});

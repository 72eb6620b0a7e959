import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Labels } from '../model/index.js';
import { FilesystemObjectStore } from '../storage/index.js';
import { tempDir } from '../../test/helpers/process.js';
import { LogStore } from './log-store.js';

const DAY = 24 * 3600_000;
const ns = (ms: number) => BigInt(ms) * 1_000_000n;

describe('log store retention', () => {
  it('deletes whole index periods whose chunks all ended before now - retention, per tenant', async () => {
    const dir = tempDir('sightline-logs-retention-');
    const objects = new FilesystemObjectStore(join(dir, 'objects'));
    const store = await LogStore.open({ walDir: join(dir, 'wal'), objects, prefix: 'loki-data', chunkTargetSize: 1 << 20, fsyncIntervalMs: 1000, indexPeriodMs: DAY, outOfOrderWindowNs: ns(100 * DAY) });
    const now = 100 * DAY + 3600_000;
    const [s] = store.stream('fake', Labels.fromObject({ job: 'r' }));
    // day 5 (old), day 99 (recent)
    store.write('fake', [{ stream: s, ts: [ns(5 * DAY + 1000)], lines: ['old line'] }]);
    store.write('fake', [{ stream: s, ts: [ns(99 * DAY + 1000)], lines: ['recent line'] }]);
    const [o] = store.stream('other', Labels.fromObject({ job: 'r' }));
    store.write('other', [{ stream: o, ts: [ns(5 * DAY + 1000)], lines: ['other tenant old line'] }]);
    await store.flush();
    expect((await objects.list('loki-data/chunks/')).length).toBe(3);

    const deleted = await store.applyRetention(now, (tenant) => (tenant === 'fake' ? 30 * DAY : 0));
    expect(deleted).toBe(1);
    const lines: string[] = [];
    for await (const b of store.select('fake', { matchers: [], start: 0n, end: ns(now) })) lines.push(...b.lines);
    expect(lines).toEqual(['recent line']);
    expect((await objects.list('loki-data/chunks/fake/')).length).toBe(1);
    expect((await objects.list('loki-data/chunks/other/')).length).toBe(1);
    await store.close();

    // a reopened store sees the same (the index files of the deleted period are gone too)
    const again = await LogStore.open({ walDir: join(dir, 'wal'), objects, prefix: 'loki-data', chunkTargetSize: 1 << 20, fsyncIntervalMs: 1000, indexPeriodMs: DAY, outOfOrderWindowNs: ns(DAY) });
    const after: string[] = [];
    for await (const b of again.select('fake', { matchers: [], start: 0n, end: ns(now) })) after.push(...b.lines);
    expect(after).toEqual(['recent line']);
    await again.close();
  });
});

describe('head streams', () => {
  it('idle streams leave the head after a flush but stay queryable, and writing through an old handle still lands', async () => {
    const dir = tempDir('sightline-logs-idle-');
    const store = await LogStore.open({ walDir: join(dir, 'wal'), objects: new FilesystemObjectStore(join(dir, 'objects')), prefix: 'p', chunkTargetSize: 1 << 20, fsyncIntervalMs: 1000, indexPeriodMs: DAY, outOfOrderWindowNs: ns(DAY) });
    const t = Date.now() - 2 * 3600_000;
    const [s] = store.stream('fake', Labels.fromObject({ job: 'idle' }));
    store.write('fake', [{ stream: s, ts: [ns(t)], lines: ['first'] }]);
    await store.flush();
    expect(store.activeStreams('fake')).toBe(0);
    store.write('fake', [{ stream: s, ts: [ns(t + 1000)], lines: ['second'] }]);
    expect(store.activeStreams('fake')).toBe(1);
    await store.flush();
    const lines: string[] = [];
    for await (const b of store.select('fake', { matchers: [], start: 0n, end: ns(Date.now()) })) lines.push(...b.lines);
    expect(lines.sort()).toEqual(['first', 'second']);
    await store.close();
  });
});

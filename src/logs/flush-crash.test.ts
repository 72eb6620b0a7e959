/**
 * A crash after a flush wrote its chunks and index files but before it trimmed the WAL: the simulated state is the
 * object store after the flush plus the WAL segments as they were before it. Reopening must show each entry once.
 */
import { cpSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Labels } from '../model/index.js';
import { FilesystemObjectStore } from '../storage/index.js';
import { tempDir } from '../../test/helpers/process.js';
import { LogStore, type LogStoreOptions } from './log-store.js';

const DAY = 24 * 3600_000;
const ns = (ms: number) => BigInt(ms) * 1_000_000n;
const T = 1_700_000_000_000;

async function all(store: LogStore, tenant = 'fake'): Promise<string[]> {
  const out: string[] = [];
  for await (const b of store.select(tenant, { matchers: [], start: 0n, end: ns(T + 10 * DAY) })) out.push(...b.lines);
  return out.sort();
}

function options(dir: string): LogStoreOptions {
  return { walDir: join(dir, 'wal'), objects: new FilesystemObjectStore(join(dir, 'objects')), prefix: 'loki-data', chunkTargetSize: 1 << 20, fsyncIntervalMs: 1000, indexPeriodMs: DAY, outOfOrderWindowNs: ns(10 * DAY) };
}

describe('flush crash between index write and WAL trim', () => {
  it('replay skips WAL entries already in flushed chunks; later entries still replay', async () => {
    const dir = tempDir('sightline-logs-flushcrash-');
    let store = await LogStore.open(options(dir));
    const [s] = store.stream('fake', Labels.fromObject({ job: 'c' }));
    const [o] = store.stream('other', Labels.fromObject({ job: 'c' }));
    // Two periods (days) so the flush writes more than one index file.
    store.write('fake', [{ stream: s, ts: [ns(T), ns(T + 1000), ns(T + DAY)], lines: ['a', 'b', 'next day'] }]);
    store.write('other', [{ stream: o, ts: [ns(T)], lines: ['other tenant'] }]);
    const walBefore = join(dir, 'wal-before-flush');
    cpSync(join(dir, 'wal'), walBefore, { recursive: true });
    await store.flush();
    store.write('fake', [{ stream: s, ts: [ns(T + 2000)], lines: ['after flush'] }]);
    await store.close();
    // The crash: the WAL segments the flush would have trimmed are still there.
    cpSync(walBefore, join(dir, 'wal'), { recursive: true });
    rmSync(walBefore, { recursive: true });

    store = await LogStore.open(options(dir));
    expect(await all(store)).toEqual(['a', 'after flush', 'b', 'next day']);
    expect(await all(store, 'other')).toEqual(['other tenant']);
    await store.close();
  });

  it('a lost WAL directory (segment numbers restart) does not make new entries be skipped', async () => {
    const dir = tempDir('sightline-logs-flushcrash2-');
    let store = await LogStore.open(options(dir));
    const [s] = store.stream('fake', Labels.fromObject({ job: 'c' }));
    for (let i = 0; i < 5; i++) {
      store.write('fake', [{ stream: s, ts: [ns(T + i * 1000)], lines: [`flushed ${i}`] }]);
      await store.flush();
    }
    await store.close();
    rmSync(join(dir, 'wal'), { recursive: true });
    store = await LogStore.open(options(dir));
    const [s2] = store.stream('fake', Labels.fromObject({ job: 'c' }));
    store.write('fake', [{ stream: s2, ts: [ns(T + 9000)], lines: ['new'] }]);
    await store.close();
    store = await LogStore.open(options(dir));
    expect(await all(store)).toEqual(['flushed 0', 'flushed 1', 'flushed 2', 'flushed 3', 'flushed 4', 'new']);
    await store.close();
  });
});

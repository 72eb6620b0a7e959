import { afterEach } from 'vitest';
import { Tsdb, type TsdbOptions } from '../../src/metrics/tsdb/index.js';

/**
 * `openDb(dir, options)` for TSDB unit tests: no retention, 100 s blocks, no background compaction; every TSDB
 * opened is closed after each test.
 */
export function tsdbOpener(): { openDb(dir: string, extra?: Partial<TsdbOptions>): Promise<Tsdb>; forget(): void } {
  const open: Tsdb[] = [];
  afterEach(async () => {
    for (const db of open.splice(0)) await db.close();
  });
  return {
    async openDb(dir, extra = {}) {
      const db = await Tsdb.open({ dir, retentionMs: 0, retentionBytes: 0, minBlockDurationMs: 100_000, compactionIntervalMs: 0, ...extra });
      open.push(db);
      return db;
    },
    /** Forget the TSDBs opened so far (the test closed them itself). */
    forget() {
      open.splice(0);
    },
  };
}

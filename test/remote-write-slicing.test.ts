import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RemoteWriteIngester } from '../src/metrics/remote/receiver/index.js';
import { Tsdb } from '../src/metrics/tsdb/index.js';
import { tempDir } from './helpers/process.js';
import { remoteWriteBody } from './hostile/bodies.js';

// A remote write request is validated and appended in time slices (other work on the event loop runs meanwhile),
// and overlapping requests are all stored.

describe('remote write in time slices', () => {
  let db: Tsdb;
  let ing: RemoteWriteIngester;
  beforeAll(async () => {
    db = await Tsdb.open({ dir: tempDir('sightline-rw-slicing-'), retentionMs: 0, retentionBytes: 0, minBlockDurationMs: 7_200_000, compactionIntervalMs: 0 });
    ing = new RemoteWriteIngester({ appendable: () => db, tenancy: { multiTenant: false, defaultTenant: 'anonymous' }, registry: new Registry() });
  });
  afterAll(() => db.close());

  it('lets timers run while 20,000 series are written', async () => {
    const body = remoteWriteBody(20_000, 2, (i) => `rw_slice_${i}`);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const before = db.head.numSeries;
    const res = await ing.push('anonymous', body, 1);
    clearInterval(timer);
    expect(res.partialError).toBeUndefined();
    expect(res.samplesWritten).toBe(20_000);
    expect(db.head.numSeries - before).toBe(20_000);
    expect(ticks).toBeGreaterThan(2);
  });

  it('stores every series of overlapping requests', async () => {
    const before = db.head.numSeries;
    const rs = await Promise.all([0, 1, 2].map((k) => ing.push('anonymous', remoteWriteBody(5000, 1, (i) => `rw_overlap_${k}_${i}`), 1)));
    expect(rs.map((r) => r.samplesWritten)).toEqual([5000, 5000, 5000]);
    expect(db.head.numSeries - before).toBe(15_000);
  });
});

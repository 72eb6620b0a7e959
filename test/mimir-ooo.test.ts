/**
 * The Mimir role's per-tenant `out_of_order_time_window` limit (issue 17): a tenant with a 30m window stores late
 * samples (and refuses older ones as `sample-too-old`); a tenant without one refuses them as
 * `sample-out-of-order`; the accepted late samples are in query answers, also after a restart (WBL replay).
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Registry } from 'prom-client';
import { sightlineConfigSchema, type SightlineConfig } from '../src/config/index.js';
import { startMimir, type MimirComponent } from '../src/metrics/mimir/index.js';
import { compressSnappyBody } from '../src/metrics/remote/codec/index.js';
import { createSelfMetricsRegistry, silentLogger } from '../src/server/index.js';
import { encodeV1 } from './helpers/remote-write-protos.js';
import { tempDir, waitFor } from './helpers/process.js';

const MIN = 60_000;
const T0 = Math.floor(Date.now() / MIN) * MIN - 5 * MIN;

describe('Mimir tenant out_of_order_time_window', () => {
  let mimir: MimirComponent;
  let registry: Registry;
  let base = '';
  let config: SightlineConfig;
  const dataDir = tempDir('mimir-ooo-');

  const start = async () => {
    registry = createSelfMetricsRegistry();
    mimir = await startMimir({ config, dataDir, logger: silentLogger(), registry });
    base = `http://127.0.0.1:${mimir.ports.mimir}`;
  };

  beforeAll(async () => {
    config = sightlineConfigSchema.parse({
      remote: { multitenancy_enabled: true, overrides: { late: { out_of_order_time_window: '30m' }, vert: { out_of_order_time_window: '30m' } } },
      mimir: { listen_address: '127.0.0.1:0', block_duration: '1h', head_compaction_interval: '1s', compactor: { interval: '0s', block_ranges: ['1h', '3h', '9h'] } },
    });
    await start();
  }, 30_000);
  afterAll(async () => {
    await mimir?.stop();
  });

  async function push(tenant: string, samples: [number, number][], name = 'late_metric') {
    const res = await fetch(`${base}/api/v1/push`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-protobuf', 'Content-Encoding': 'snappy', 'X-Prometheus-Remote-Write-Version': '0.1.0', 'X-Scope-OrgID': tenant },
      body: compressSnappyBody(encodeV1([{ labels: [{ name: '__name__', value: name }], samples: samples.map(([timestamp, value]) => ({ timestamp, value })) }])),
    });
    return { status: res.status, text: await res.text() };
  }

  async function values(tenant: string): Promise<[number, string][]> {
    const qs = new URLSearchParams({ query: 'late_metric[2h]', time: String((T0 + MIN) / 1000) });
    const res = await fetch(`${base}/prometheus/api/v1/query?${qs}`, { headers: { 'X-Scope-OrgID': tenant } });
    const body = (await res.json()) as { data: { result: { values: [number, string][] }[] } };
    return body.data.result[0]?.values ?? [];
  }

  async function discarded(reason: string, user: string): Promise<number> {
    const m = await registry.getSingleMetric('cortex_discarded_samples_total')!.get();
    return m.values.find((v) => v.labels.reason === reason && v.labels.user === user)?.value ?? 0;
  }

  it('stores late samples inside the tenant window, refuses them elsewhere with Mimir reasons', async () => {
    for (const tenant of ['late', 'strict']) {
      expect((await push(tenant, [[T0 - 10 * MIN, 1], [T0, 2]])).status).toBe(200);
      const inside = await push(tenant, [[T0 - 20 * MIN, 3]]);
      const tooOld = await push(tenant, [[T0 - 40 * MIN, 4]]);
      if (tenant === 'late') {
        expect(inside.status).toBe(200);
        expect(tooOld.status).toBe(400);
        expect(tooOld.text).toContain('too old');
      } else {
        expect(inside.status).toBe(400);
        expect(inside.text).toContain('out-of-order');
        expect(tooOld.status).toBe(400); // older than the head's in-order limit (maxT - 30m with 1h blocks)
      }
    }
    expect(await discarded('sample-too-old', 'late')).toBe(1);
    expect(await discarded('sample-out-of-order', 'late')).toBe(0);
    expect(await discarded('sample-out-of-order', 'strict')).toBe(1);
    expect(await discarded('sample-out-of-bounds', 'strict')).toBe(1);
    const late = [
      [(T0 - 20 * MIN) / 1000, '3'],
      [(T0 - 10 * MIN) / 1000, '1'],
      [T0 / 1000, '2'],
    ];
    expect(await values('late')).toEqual(late);
    expect(await values('strict')).toEqual(late.slice(1));
    await mimir.stop();
    await start();
    expect(await values('late')).toEqual(late);
  }, 60_000);

  it('ships the out-of-order block; the bucket compactor merges it with the in-order block of its range, in order', async () => {
    const H = 60 * MIN;
    const base0 = Math.floor((T0 - 6 * H) / H) * H;
    const minutes = (from: number, to: number): [number, number][] => Array.from({ length: (to - from) / MIN }, (_, i) => [from + i * MIN, (from + i * MIN - base0) / MIN]);
    expect((await push('vert', minutes(base0, base0 + 2 * H), 'vert_metric')).status).toBe(200);
    // late samples, 20 minutes back, between the in-order minutes (30 s off) and at one in-order minute
    const late: [number, number][] = [[base0 + 100 * MIN + 30_000, -1], [base0 + 105 * MIN + 30_000, -2], [base0 + 110 * MIN, -3]];
    for (const l of late) expect((await push('vert', [l], 'vert_metric')).status).toBe(200);
    // more in-order data: the head becomes compactable, the in-order blocks and then the out-of-order one are cut
    expect((await push('vert', minutes(base0 + 2 * H, base0 + 4 * H), 'vert_metric')).status).toBe(200);
    const bucketDir = join(dataDir, 'mimir', 'bucket', 'vert');
    const metas = () =>
      existsSync(bucketDir)
        ? readdirSync(bucketDir)
            .filter((d) => existsSync(join(bucketDir, d, 'meta.json')))
            .map((d) => JSON.parse(readFileSync(join(bucketDir, d, 'meta.json'), 'utf8')) as { ulid: string; minTime: number; maxTime: number; compaction: { level: number; hints?: string[] } })
        : [];
    const ooo = await waitFor(() => metas().find((m) => m.compaction.hints?.includes('from-out-of-order')), 30_000, 'out-of-order block shipped');
    expect([ooo.minTime, ooo.maxTime]).toEqual([base0 + H, base0 + 2 * H]);
    const qs = new URLSearchParams({ query: 'vert_metric[6h]', time: String((base0 + 4 * H) / 1000) });
    const get = async () => ((await (await fetch(`${base}/prometheus/api/v1/query?${qs}`, { headers: { 'X-Scope-OrgID': 'vert' } })).json()) as { data: { result: { values: [number, string][] }[] } }).data.result[0].values;
    const before = await get();
    expect(before.length).toBe(4 * 60 + 2);
    expect(before.find(([t]) => t === (base0 + 110 * MIN) / 1000)).toEqual([(base0 + 110 * MIN) / 1000, '-3']);
    await mimir.compactNow();
    const merged = metas().find((m) => m.compaction.level > 1 && m.minTime <= ooo.minTime && m.maxTime >= ooo.maxTime);
    expect(merged).toBeDefined();
    expect(metas().some((m) => m.ulid === ooo.ulid)).toBe(false);
    expect(await get()).toEqual(before);
    // the merged block alone, read by promtool: its chunks are in order
    if (existsSync('/usr/bin/promtool')) {
      const alone = tempDir('mimir-ooo-block-');
      cpSync(join(bucketDir, merged!.ulid), join(alone, merged!.ulid), { recursive: true });
      mkdirSync(join(alone, 'wal')); // promtool opens the directory as a TSDB
      const ts = execFileSync('/usr/bin/promtool', ['tsdb', 'dump', alone]).toString().trim().split('\n').map((l) => Number(l.split(' ').at(-1)));
      expect(ts).toEqual([...ts].sort((a, b) => a - b));
      expect(new Set(ts).size).toBe(ts.length);
      expect(ts).toContain(base0 + 100 * MIN + 30_000);
    }
  }, 90_000);
});

/**
 * The Mimir role's per-tenant `out_of_order_time_window` limit (issue 17): a tenant with a 30m window stores late
 * samples (and refuses older ones as `sample-too-old`); a tenant without one refuses them as
 * `sample-out-of-order`; the accepted late samples are in query answers, also after a restart (WBL replay).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Registry } from 'prom-client';
import { sightlineConfigSchema, type SightlineConfig } from '../src/config/index.js';
import { startMimir, type MimirComponent } from '../src/metrics/mimir/index.js';
import { compressSnappyBody } from '../src/metrics/remote/codec/index.js';
import { createSelfMetricsRegistry, silentLogger } from '../src/server/index.js';
import { encodeV1 } from './helpers/remote-write-protos.js';
import { tempDir } from './helpers/process.js';

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
      remote: { multitenancy_enabled: true, overrides: { late: { out_of_order_time_window: '30m' } } },
      mimir: { listen_address: '127.0.0.1:0', compactor: { interval: '0s' } },
    });
    await start();
  }, 30_000);
  afterAll(async () => {
    await mimir?.stop();
  });

  async function push(tenant: string, samples: [number, number][]) {
    const res = await fetch(`${base}/api/v1/push`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-protobuf', 'Content-Encoding': 'snappy', 'X-Prometheus-Remote-Write-Version': '0.1.0', 'X-Scope-OrgID': tenant },
      body: compressSnappyBody(encodeV1([{ labels: [{ name: '__name__', value: 'late_metric' }], samples: samples.map(([timestamp, value]) => ({ timestamp, value })) }])),
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
        expect(tooOld.status).toBe(400);
      }
    }
    expect(await discarded('sample-too-old', 'late')).toBe(1);
    expect(await discarded('sample-out-of-order', 'late')).toBe(0);
    expect(await discarded('sample-out-of-order', 'strict')).toBe(2);
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
});

import { describe, expect, it } from 'vitest';
import { Labels } from '../../model/index.js';
import { SeriesTracker } from './series-tracker.js';
import { Overrides, mimirTenantLimits, tenantLimitsSchema } from '../../config/index.js';
import { validateSeriesLabels } from './validation.js';

describe('tenant limits', () => {
  it('series tracker counts distinct series per tenant and forgets idle ones', () => {
    const t = new SeriesTracker(1000);
    const a = Labels.fromObject({ __name__: 'a' });
    const b = Labels.fromObject({ __name__: 'b' });
    expect(t.admit('x', a, 1, 0)).toBe(true);
    expect(t.admit('x', a, 1, 10)).toBe(true);
    expect(t.admit('x', b, 1, 10)).toBe(false);
    expect(t.admit('y', b, 1, 10)).toBe(true);
    t.purge(2000);
    expect(t.count('x')).toBe(0);
    expect(t.admit('x', b, 1, 2000)).toBe(true);
  });

  it('overrides merge over defaults per tenant', () => {
    const o = new Overrides(tenantLimitsSchema.parse({ ingestion_rate: 5 }), { t1: { ingestion_rate: 7 } });
    expect(o.forTenant('t1').ingestion_rate).toBe(7);
    expect(o.forTenant('t2').ingestion_rate).toBe(5);
    expect(o.forTenant('t1').max_label_names_per_series).toBe(30);
  });

  it('validation drops empty label values and returns sorted Labels', () => {
    const l = validateSeriesLabels(['__name__', 'm', 'a', '', 'b', '1'], tenantLimitsSchema.parse({}));
    expect(l).toBeInstanceOf(Labels);
    expect((l as Labels).flat).toEqual(['__name__', 'm', 'b', '1']);
  });
});

describe('remote config section', () => {
  it('parses limits and per-tenant overrides from YAML with Mimir names', async () => {
    const { parseYamlConfig, sightlineConfigSchema } = await import('../../config/index.js');
    const c = parseYamlConfig(
      sightlineConfigSchema,
      'remote:\n  multitenancy_enabled: true\n  limits:\n    ingestion_rate: 500\n    past_grace_period: 2h\n  overrides:\n    team-a:\n      max_global_series_per_user: 7\n',
      'x.yaml',
    );
    expect(c.remote.multitenancy_enabled).toBe(true);
    const o = new Overrides(mimirTenantLimits(c.remote.limits), c.remote.overrides);
    expect(o.forTenant('team-a')).toMatchObject({ ingestion_rate: 500, past_grace_period: 7_200_000, max_global_series_per_user: 7 });
    expect(o.forTenant('b').max_global_series_per_user).toBe(150_000);
    expect(() => parseYamlConfig(sightlineConfigSchema, 'remote:\n  limits:\n    ingestion_rte: 1\n', 'x.yaml')).toThrow(/remote\.limits\.ingestion_rte/);
  });
});

describe('prometheusReceiverOverrides (the Prometheus port)', () => {
  it('applies no limit unless remote.limits is configured', async () => {
    const { prometheusReceiverOverrides } = await import('./prometheus-receiver-overrides.js');
    const none = prometheusReceiverOverrides({ limits: undefined, overrides: {} }, 'anonymous').forTenant('anonymous');
    expect(none.ingestion_rate).toBe(Number.POSITIVE_INFINITY);
    expect(none.max_global_series_per_user).toBe(0);
    const some = prometheusReceiverOverrides({ limits: { ingestion_rate: 500 }, overrides: {} }, 'anonymous').forTenant('anonymous');
    expect(some).toMatchObject({ ingestion_rate: 500, ingestion_burst_size: 200_000, max_global_series_per_user: 150_000 });
    const tenantOnly = prometheusReceiverOverrides({ limits: undefined, overrides: { anonymous: { ingestion_burst_size: 9 } } }, 'anonymous').forTenant('anonymous');
    expect(tenantOnly).toMatchObject({ ingestion_rate: 10_000, ingestion_burst_size: 9 });
  });
});

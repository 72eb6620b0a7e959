import type { Labels } from '../../model/index.js';

/**
 * Counts each tenant's in-memory series for `max_global_series_per_user`: a map from series key to the last time it
 * received a sample; series idle longer than `idleMs` are forgotten by `purge` (as the head forgets series after a
 * compaction). Lookup of a known series is one map access.
 */
export class SeriesTracker {
  private readonly tenants = new Map<string, Map<string, number>>();

  constructor(readonly idleMs = 3 * 3600_000) {}

  private of(tenant: string): Map<string, number> {
    let m = this.tenants.get(tenant);
    if (!m) {
      m = new Map();
      this.tenants.set(tenant, m);
    }
    return m;
  }

  /** Record `labels` as active now; false (not recorded) when it is new and the tenant is at `limit` (0 = none). */
  admit(tenant: string, labels: Labels, limit: number, now = Date.now()): boolean {
    const m = this.of(tenant);
    const key = labels.key();
    if (m.has(key)) {
      m.set(key, now);
      return true;
    }
    if (limit > 0 && m.size >= limit) return false;
    m.set(key, now);
    return true;
  }

  /** Forget a series that turned out not to be stored (its samples were all refused). */
  forget(tenant: string, labels: Labels): void {
    this.tenants.get(tenant)?.delete(labels.key());
  }

  count(tenant: string): number {
    return this.tenants.get(tenant)?.size ?? 0;
  }

  purge(now = Date.now()): void {
    for (const m of this.tenants.values()) for (const [k, t] of m) if (now - t > this.idleMs) m.delete(k);
  }
}

/**
 * Per-tenant limits: the defaults of a pillar's `limits` block plus each tenant's `overrides` (Mimir's runtime
 * overrides, Loki's `limits_config` + overrides, Tempo's overrides). Every pillar reads its limits through this
 * one type; a tenant without overrides gets the defaults.
 */
export class Overrides<L extends object> {
  private readonly cache = new Map<string, L>();

  constructor(
    readonly defaults: L,
    private readonly perTenant: Readonly<Record<string, Partial<L>>> = {},
  ) {}

  forTenant(tenant: string): L {
    let l = this.cache.get(tenant);
    if (!l) {
      l = { ...this.defaults, ...(this.perTenant[tenant] ?? {}) };
      this.cache.set(tenant, l);
    }
    return l;
  }

  /** Tenants with explicit overrides. */
  tenants(): string[] {
    return Object.keys(this.perTenant);
  }
}

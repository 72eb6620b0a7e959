import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { AlertStatus, RuleGroupStatus } from '../../metrics/api/index.js';
import type { Appendable, Queryable } from '../../metrics/storage-api/index.js';
import type { Labels } from '../../model/index.js';
import type { Logger, Registry } from '../../server/index.js';
import type { Alert } from '../alert.js';
import { RuleLoadError, RuleManager } from '../manager.js';
import type { RuleQueryEngine } from '../query-engine.js';
import type { ExprValidator } from '../rule-file.js';

export interface TenantRulersOptions {
  /** The query engine of one tenant (LogQL for Loki, PromQL over the tenant's data for Mimir). */
  engineFor: (tenant: string) => RuleQueryEngine;
  /** Where the tenant's recording-rule results and `ALERTS` go. */
  appendableFor: (tenant: string) => Appendable;
  /** For restoring `for` state; none when absent. */
  queryableFor?: (tenant: string) => Queryable | undefined;
  /** Restore `for` state by re-evaluating the rules (Loki's ruler) instead of from stored `ALERTS_FOR_STATE`. */
  replayForState?: boolean;
  validateExpr: ExprValidator;
  notify?: (tenant: string, expr: string, alerts: Alert[]) => void;
  registry: Registry;
  logger: Logger;
  externalLabels: Labels;
  externalURL: string;
  /** ms. */
  evaluationInterval: number;
  resendDelay: number;
  outageTolerance: number;
  forGracePeriod: number;
}

/** A tenant's rule namespaces: namespace (file name) → the file's path. */
export type TenantNamespaces = Map<string, string>;

/**
 * The multi-tenant ruler (Loki's and Mimir's): one `RuleManager` per tenant, each evaluating that tenant's rule
 * files through that tenant's query engine into that tenant's storage. The files are namespaces: in Loki's local
 * rule storage, `<directory>/<tenant>/<namespace>`.
 */
export class TenantRulers {
  private readonly managers = new Map<string, RuleManager>();
  private readonly namespaces = new Map<string, TenantNamespaces>();

  constructor(private readonly opts: TenantRulersOptions) {}

  /** Loki's local rule storage: every sub-directory of `dir` is a tenant, every file in it a namespace. */
  static scanDirectory(dir: string): Map<string, TenantNamespaces> {
    const out = new Map<string, TenantNamespaces>();
    if (!existsSync(dir)) return out;
    for (const tenant of readdirSync(dir).sort()) {
      const tdir = join(dir, tenant);
      if (!statSync(tdir).isDirectory()) continue;
      const ns: TenantNamespaces = new Map();
      for (const f of readdirSync(tdir).sort()) {
        const p = join(tdir, f);
        if (statSync(p).isFile() && !f.startsWith('.')) ns.set(f, p);
      }
      out.set(tenant, ns);
    }
    return out;
  }

  /**
   * Makes the running rules those of `tenants`: new tenants start, removed ones stop, the others are updated (a
   * tenant whose files have errors keeps its running rules; its errors are returned, by tenant).
   */
  async sync(tenants: Map<string, TenantNamespaces>): Promise<Map<string, string[]>> {
    const errors = new Map<string, string[]>();
    for (const [tenant, mgr] of this.managers) {
      if (tenants.has(tenant)) continue;
      await mgr.stop();
      this.managers.delete(tenant);
      this.namespaces.delete(tenant);
    }
    for (const [tenant, ns] of tenants) {
      let mgr = this.managers.get(tenant);
      if (!mgr) {
        mgr = this.newManager(tenant);
        this.managers.set(tenant, mgr);
      }
      try {
        await mgr.update([...ns.values()]);
        this.namespaces.set(tenant, ns);
      } catch (e) {
        if (!(e instanceof RuleLoadError)) throw e;
        errors.set(tenant, e.errors);
        this.opts.logger.error({ tenant, errors: e.errors }, 'loading rules failed; the previous rules keep running');
      }
    }
    return errors;
  }

  private newManager(tenant: string): RuleManager {
    const o = this.opts;
    return new RuleManager({
      engine: o.engineFor(tenant),
      appendable: o.appendableFor(tenant),
      queryable: o.queryableFor?.(tenant),
      replayForState: o.replayForState,
      notify: o.notify ? (expr, alerts) => o.notify?.(tenant, expr, alerts) : undefined,
      registry: o.registry,
      logger: o.logger.child({ tenant }),
      validateExpr: o.validateExpr,
      externalLabels: o.externalLabels,
      externalURL: o.externalURL,
      evaluationInterval: o.evaluationInterval,
      resendDelay: o.resendDelay,
      outageTolerance: o.outageTolerance,
      forGracePeriod: o.forGracePeriod,
    });
  }

  tenants(): string[] {
    return [...this.managers.keys()].sort();
  }

  /** `/prometheus/api/v1/rules` of a tenant (empty for an unknown tenant); `file` is the namespace, as Loki and Mimir show it. */
  status(tenant: string): RuleGroupStatus[] {
    const nsOf = new Map<string, string>();
    for (const [ns, path] of this.namespaces.get(tenant) ?? []) nsOf.set(path, ns);
    return (this.managers.get(tenant)?.status() ?? []).map((g) => ({ ...g, file: nsOf.get(g.file) ?? g.file }));
  }

  alerts(tenant: string): AlertStatus[] {
    return this.managers.get(tenant)?.alerts() ?? [];
  }

  /** The tenant's loaded rule groups by namespace, as the files hold them (Loki's `/loki/api/v1/rules`). */
  ruleGroupsByNamespace(tenant: string): Map<string, unknown[]> {
    const out = new Map<string, unknown[]>();
    for (const [name, path] of this.namespaces.get(tenant) ?? []) {
      const doc = parseYaml(readFileSync(path, 'utf8')) as { groups?: unknown[] } | null;
      out.set(name, doc?.groups ?? []);
    }
    return out;
  }

  async stop(): Promise<void> {
    await Promise.all([...this.managers.values()].map((m) => m.stop()));
    this.managers.clear();
  }
}

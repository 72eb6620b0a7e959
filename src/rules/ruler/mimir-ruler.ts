import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { registerRulesApi } from '../../metrics/api/index.js';
import type { PromqlEngine } from '../../metrics/promql/index.js';
import type { Appendable, Appender, Queryable } from '../../metrics/storage-api/index.js';
import { Labels } from '../../model/index.js';
import { resolveTenant, type Logger, type Registry, type TenancyOptions } from '../../server/index.js';
import type { ObjectStore } from '../../storage/index.js';
import { validatePromql } from '../promql-validator.js';
import { promqlRuleEngine } from '../query-engine.js';
import { parseRuleGroups } from '../rule-file.js';
import { TenantNotifiers } from '../notifier/tenant-notifiers.js';
import { TenantRulers, type TenantNamespaces } from './tenant-rulers.js';

export interface MimirRulerDeps {
  /** Where rule groups are stored (`rules/<tenant>/<namespace>/<group>`, one YAML object per group). */
  store: ObjectStore;
  /** A local directory the stored groups are materialised into as one rule file per namespace. */
  localDir: string;
  /** The tenant's PromQL engine and data (head + blocks). */
  viewFor: (tenant: string) => Promise<{ engine: PromqlEngine; queryable: Queryable }>;
  /** The tenant's TSDB: results written back to the tenant. */
  appendableFor: (tenant: string) => Promise<Appendable>;
  formatQuery: (expr: string) => string;
  tenancy: TenancyOptions;
  registry: Registry;
  logger: Logger;
  /** ms. */
  evaluationInterval: number;
  externalURL: string;
  /** Mimir's `ruler.alertmanager_url` (comma-separated; each tenant's alerts posted with its `X-Scope-OrgID`); none when empty. */
  alertmanagerUrl?: string;
}

const PREFIX = 'rules/';
const enc = encodeURIComponent;
const dec = decodeURIComponent;

/** A tenant's engine resolved per query (its stores open on first use). */
function lazyEngine(deps: MimirRulerDeps, tenant: string) {
  return {
    async query(expr: string, ts: number, signal?: AbortSignal) {
      const v = await deps.viewFor(tenant);
      return promqlRuleEngine(v.engine, deps.formatQuery).query(expr, ts, signal);
    },
    format(expr: string) {
      try {
        return deps.formatQuery(expr);
      } catch {
        return expr;
      }
    },
  };
}

/** An appender that opens the tenant's TSDB at commit. */
function lazyAppendable(deps: MimirRulerDeps, tenant: string): Appendable {
  return {
    appender(): Appender {
      const rows: Array<[Labels, number, number]> = [];
      return {
        append(_ref, labels, t, v) {
          rows.push([labels, t, v]);
          return 0;
        },
        appendExemplar: () => 0,
        updateMetadata: () => 0,
        async commit() {
          if (rows.length === 0) return;
          const app = (await deps.appendableFor(tenant)).appender();
          for (const [l, t, v] of rows) app.append(0, l, t, v);
          rows.length = 0;
          await app.commit();
        },
        rollback() {
          rows.length = 0;
        },
      };
    },
  };
}

/**
 * Mimir's ruler: per-tenant rule groups kept in the object store and managed with the rules configuration API that
 * `mimirtool rules` and `cortextool` use (`GET/POST/DELETE /prometheus/config/v1/rules[/{namespace}[/{group}]]`,
 * YAML bodies), evaluated by the one rule engine against the tenant's data with results written back to the tenant;
 * `/prometheus/api/v1/rules` and `/alerts` per tenant (the file is the namespace). Groups survive a restart.
 */
export class MimirRuler {
  readonly rulers: TenantRulers;
  private readonly notifiers: TenantNotifiers | undefined;

  constructor(private readonly deps: MimirRulerDeps) {
    const logger = deps.logger.child({ component: 'ruler' });
    this.notifiers = deps.alertmanagerUrl ? new TenantNotifiers(deps.alertmanagerUrl, { registry: deps.registry, logger, externalLabels: Labels.EMPTY, externalURL: deps.externalURL }) : undefined;
    this.rulers = new TenantRulers({
      engineFor: (tenant) => lazyEngine(deps, tenant),
      appendableFor: (tenant) => lazyAppendable(deps, tenant),
      // `for` state restored from the tenant's own ALERTS_FOR_STATE, as Mimir's ruler does.
      queryableFor: (tenant) => ({ querier: async (mint, maxt) => (await deps.viewFor(tenant)).queryable.querier(mint, maxt) }),
      notify: this.notifiers?.notify,
      validateExpr: validatePromql,
      registry: deps.registry,
      logger,
      externalLabels: Labels.EMPTY,
      externalURL: deps.externalURL,
      evaluationInterval: deps.evaluationInterval,
      resendDelay: 60_000,
      outageTolerance: 3600_000,
      forGracePeriod: 600_000,
    });
  }

  /** Stored groups: tenant → namespace → group name → group (as posted). */
  async stored(): Promise<Map<string, Map<string, Map<string, unknown>>>> {
    const out = new Map<string, Map<string, Map<string, unknown>>>();
    for (const key of await this.deps.store.list(PREFIX)) {
      const [tenant, ns, group] = key.slice(PREFIX.length).split('/');
      if (group === undefined) continue;
      const doc: unknown = parseYaml((await this.deps.store.get(key)).toString('utf8'));
      let t = out.get(dec(tenant));
      if (!t) out.set(dec(tenant), (t = new Map()));
      let n = t.get(dec(ns));
      if (!n) t.set(dec(ns), (n = new Map()));
      n.set(dec(group), doc);
    }
    return out;
  }

  /** Materialises the stored groups as rule files and makes them the running rules. */
  async sync(): Promise<void> {
    const stored = await this.stored();
    rmSync(this.deps.localDir, { recursive: true, force: true });
    const tenants = new Map<string, TenantNamespaces>();
    for (const [tenant, nss] of stored) {
      const dir = join(this.deps.localDir, enc(tenant));
      mkdirSync(dir, { recursive: true });
      const files: TenantNamespaces = new Map();
      for (const [ns, groups] of nss) {
        const path = join(dir, enc(ns));
        writeFileSync(path, toYaml({ groups: [...groups.values()] }));
        files.set(ns, path);
      }
      tenants.set(tenant, files);
    }
    await this.rulers.sync(tenants);
  }

  /** The rules configuration API and the tenant's `/prometheus/api/v1/rules|alerts` on `app`. */
  register(app: FastifyInstance): void {
    const tenantOf = (req: FastifyRequest) => resolveTenant(req.headers, this.deps.tenancy);
    const base = '/prometheus/config/v1/rules';
    const yamlReply = (reply: FastifyReply, doc: unknown) => reply.code(200).type('application/yaml').send(toYaml(doc));
    const notFound = (reply: FastifyReply) => reply.code(404).type('text/plain').send('no rule groups found\n');
    const accepted = (reply: FastifyReply) => reply.code(202).type('application/json').send('{"status":"success","data":null,"errorType":"","error":""}');
    const groupsOf = async (tenant: string) => (await this.stored()).get(tenant) ?? new Map<string, Map<string, unknown>>();

    app.register(async (scope) => {
      scope.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));
      scope.get(base, async (req, reply) => {
        const nss = await groupsOf(tenantOf(req));
        if (nss.size === 0) return notFound(reply);
        return yamlReply(reply, Object.fromEntries([...nss].map(([ns, gs]) => [ns, [...gs.values()]])));
      });
      scope.get<{ Params: { ns: string } }>(`${base}/:ns`, async (req, reply) => {
        const gs = (await groupsOf(tenantOf(req))).get(req.params.ns);
        if (!gs) return notFound(reply);
        return yamlReply(reply, { [req.params.ns]: [...gs.values()] });
      });
      scope.get<{ Params: { ns: string; group: string } }>(`${base}/:ns/:group`, async (req, reply) => {
        const g = (await groupsOf(tenantOf(req))).get(req.params.ns)?.get(req.params.group);
        if (g === undefined) return notFound(reply);
        return yamlReply(reply, g);
      });
      scope.post<{ Params: { ns: string } }>(`${base}/:ns`, async (req, reply) => {
        const tenant = tenantOf(req);
        const text = typeof req.body === 'string' ? req.body : '';
        let doc: unknown;
        try {
          doc = parseYaml(text);
        } catch (e) {
          return reply.code(400).type('text/plain').send(`${(e as Error).message}\n`);
        }
        const { groups, errors } = parseRuleGroups(toYaml({ groups: [doc] }), { validateExpr: validatePromql, allowSourceTenants: true });
        if (errors.length > 0 || groups.length !== 1) return reply.code(400).type('text/plain').send(`${errors.join('\n') || 'invalid rule group'}\n`);
        await this.deps.store.put(`${PREFIX}${enc(tenant)}/${enc(req.params.ns)}/${enc(groups[0].name)}`, Buffer.from(toYaml(doc)));
        await this.sync();
        return accepted(reply);
      });
      scope.delete<{ Params: { ns: string } }>(`${base}/:ns`, async (req, reply) => {
        const tenant = tenantOf(req);
        const keys = await this.deps.store.list(`${PREFIX}${enc(tenant)}/${enc(req.params.ns)}/`);
        if (keys.length === 0) return notFound(reply);
        for (const k of keys) await this.deps.store.delete(k);
        await this.sync();
        return accepted(reply);
      });
      scope.delete<{ Params: { ns: string; group: string } }>(`${base}/:ns/:group`, async (req, reply) => {
        const key = `${PREFIX}${enc(tenantOf(req))}/${enc(req.params.ns)}/${enc(req.params.group)}`;
        if (!(await this.deps.store.exists(key))) return notFound(reply);
        await this.deps.store.delete(key);
        await this.sync();
        return accepted(reply);
      });
    });
  }

  /** Rule status of a tenant with the namespace as `file`, as Mimir shows it. */
  status(tenant: string) {
    return this.rulers.status(tenant);
  }

  async stop(): Promise<void> {
    await this.rulers.stop();
    this.notifiers?.stop();
  }
}

/** Mounts the tenant's `/prometheus/api/v1/rules|alerts` of a Mimir ruler (when the role has no other Prometheus API there). */
export function registerMimirRulesApi(app: FastifyInstance, ruler: MimirRuler, tenancy: TenancyOptions): void {
  registerRulesApi(app, '/prometheus/api/v1', (req) => {
    const tenant = resolveTenant(req.headers, tenancy);
    return { rules: () => ruler.status(tenant), alerts: () => ruler.rulers.alerts(tenant) };
  });
}

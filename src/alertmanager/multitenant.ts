import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Registry } from 'prom-client';
import { parse, stringify } from 'yaml';
import type { Logger } from '../server/index.js';
import { resolveTenant, type TenancyOptions } from '../server/index.js';
import { ObjectNotFoundError, type ObjectStore } from '../storage/index.js';
import { Alertmanager } from './alertmanager.js';
import { registerV2Routes } from './api/v2-routes.js';
import { parseAlertmanagerConfig, type AlertmanagerConfig } from './config/load-config.js';
import type { NflogEntry } from './notify/nflog.js';
import type { Silence } from './silences.js';
import { NotificationTemplate, uploadedTemplateFiles } from './template/notification-template.js';
import { registerTenantAlertmanagerMetrics } from './tenant-metrics.js';

/** Mimir's fallback for a tenant without a configuration: one receiver without integrations. */
const FALLBACK = 'route:\n  receiver: empty-receiver\nreceivers:\n  - name: empty-receiver\n';

/** Where Mimir's alertmanager storage keeps a tenant's configuration and its state. */
const CONFIG_PREFIX = 'alerts/';
const configKey = (tenant: string) => `${CONFIG_PREFIX}${tenant}`;
const stateKey = (tenant: string) => `alertmanager/${tenant}/fullstate`;

interface TenantDocument {
  template_files: Record<string, string>;
  alertmanager_config: string;
}

/** A tenant's silences and notification log as one object (Mimir's `fullstate`). */
interface FullState {
  silences: Silence[];
  nflog: NflogEntry[];
}

/**
 * A tenant's configuration with its own uploaded templates: `templates:` globs match the names in
 * `template_files`, never files on disk nor another tenant's.
 */
function tenantConfig(tenant: string, doc: TenantDocument): AlertmanagerConfig {
  const cfg = parseAlertmanagerConfig(doc.alertmanager_config, `alertmanager config of tenant ${tenant}`);
  return { ...cfg, templateFiles: uploadedTemplateFiles(doc.template_files) };
}

export interface MultitenantOptions {
  /** Each tenant's local state (`<dataDir>/<tenant>/{silences,nflog}`). */
  dataDir: string;
  /** Mimir's alertmanager storage: configurations at `alerts/<tenant>`, state at `alertmanager/<tenant>/fullstate`. */
  store: ObjectStore;
  tenancy: TenancyOptions;
  logger: Logger;
  externalUrl: () => string;
  /** The Mimir role's registry, where the per-tenant `cortex_alertmanager_*` series are exported. */
  registry: Registry;
  /** How often the store is read for configurations other processes wrote (Mimir's `-alertmanager.configs.poll-interval`). */
  pollIntervalMs: number;
  /** How often each tenant's state is written to the store (Mimir's `-alertmanager.persist-interval`); also on stop. */
  persistIntervalMs: number;
}

/**
 * Mimir's multi-tenant Alertmanager: one Alertmanager per tenant (`X-Scope-OrgID`), the configuration API
 * `GET/POST/DELETE /api/v1/alerts` (as `mimirtool alertmanager load` uses it) and the tenant's API v2 under
 * `/alertmanager`. Configurations live in the object store, so every process on the same bucket runs them (read at
 * start and on each poll); each tenant's silences and notification log are kept locally (WAL) and copied to the
 * store, from where a process with no local state for the tenant restores them.
 */
export class MultitenantAlertmanager {
  private readonly tenants = new Map<string, { am: Alertmanager; registry: Registry }>();
  /** The stored configurations as last read or written, by tenant (the raw object text, to notice changes). */
  private readonly docs = new Map<string, { text: string; doc: TenantDocument }>();
  private queue: Promise<unknown> = Promise.resolve();
  private timers: NodeJS.Timeout[] = [];

  constructor(private readonly opts: MultitenantOptions) {
    registerTenantAlertmanagerMetrics(opts.registry, {
      registries: () => [...this.tenants].map(([t, x]) => [t, x.registry]),
      discovered: () => this.docs.size,
      // One instance, no ring: it owns every tenant with a configuration.
      owned: () => this.docs.size,
    });
  }

  /** Runs `f` after every earlier store operation (syncs and config writes never interleave). */
  private serial<T>(f: () => Promise<T>): Promise<T> {
    const p = this.queue.then(f, f);
    this.queue = p.catch(() => undefined);
    return p;
  }

  private configFor(tenant: string): AlertmanagerConfig {
    return tenantConfig(tenant, this.docs.get(tenant)?.doc ?? { template_files: {}, alertmanager_config: FALLBACK });
  }

  /** The tenant's Alertmanager, created on first use (its state restored from the store when none is kept locally). */
  get(tenant: string): Alertmanager {
    return this.open(tenant).am;
  }

  private open(tenant: string): { am: Alertmanager; restored: Promise<void> } {
    const running = this.tenants.get(tenant);
    if (running) return { am: running.am, restored: Promise.resolve() };
    const registry = new Registry();
    const am = new Alertmanager({
      config: this.configFor(tenant),
      dataDir: join(this.opts.dataDir, tenant),
      externalUrl: this.opts.externalUrl,
      retentionMs: 120 * 3600_000,
      fsyncIntervalMs: 1000,
      logger: this.opts.logger,
      registry,
    });
    this.tenants.set(tenant, { am, registry });
    const restored = (am.silences.list().length === 0 && am.nflog.size === 0 ? this.restoreState(tenant, am) : Promise.resolve()).catch((e: unknown) =>
      this.opts.logger.error({ err: e, tenant }, 'restoring the tenant\'s alertmanager state failed'),
    );
    return { am, restored };
  }

  private async restoreState(tenant: string, am: Alertmanager): Promise<void> {
    let state: FullState;
    try {
      state = JSON.parse((await this.opts.store.get(stateKey(tenant))).toString('utf8')) as FullState;
    } catch (e) {
      if (!(e instanceof ObjectNotFoundError)) this.opts.logger.warn({ err: e, tenant }, 'reading the tenant\'s alertmanager state from the store failed');
      return;
    }
    const silences = am.silences.merge(state.silences ?? []);
    const nflog = am.nflog.merge(state.nflog ?? []);
    this.opts.logger.info({ tenant, silences, nflog }, 'alertmanager state restored from the store');
  }

  /** Copy the silences and notification log of every running tenant with a configuration to the store. */
  async persistState(): Promise<void> {
    for (const [tenant, { am }] of this.tenants) {
      if (!this.docs.has(tenant)) continue;
      const state: FullState = { silences: am.silences.list(), nflog: am.nflog.list() };
      try {
        await this.opts.store.put(stateKey(tenant), Buffer.from(JSON.stringify(state)));
      } catch (e) {
        this.opts.logger.error({ err: e, tenant }, 'writing the tenant\'s alertmanager state to the store failed');
      }
    }
  }

  /** Read the configurations in the store: new and changed ones are applied, removed ones fall back. */
  sync(): Promise<void> {
    return this.serial(async () => {
      const seen = new Set<string>();
      for (const key of await this.opts.store.list(CONFIG_PREFIX)) {
        const tenant = key.slice(CONFIG_PREFIX.length);
        if (tenant === '' || tenant.includes('/')) continue;
        seen.add(tenant);
        let text: string;
        try {
          text = (await this.opts.store.get(key)).toString('utf8');
        } catch (e) {
          if (e instanceof ObjectNotFoundError) continue; // deleted meanwhile
          throw e;
        }
        if (this.docs.get(tenant)?.text === text) continue;
        try {
          const doc = parse(text) as TenantDocument;
          tenantConfig(tenant, doc);
          this.docs.set(tenant, { text, doc });
        } catch (e) {
          this.opts.logger.error({ err: e, tenant }, 'the tenant\'s stored alertmanager configuration is invalid; keeping the previous one');
          continue;
        }
        await this.apply(tenant);
      }
      for (const tenant of [...this.docs.keys()]) {
        if (seen.has(tenant)) continue;
        this.docs.delete(tenant);
        await this.tenants.get(tenant)?.am.reload(this.configFor(tenant));
      }
    });
  }

  /** Run (or reload) the tenant's Alertmanager with its current configuration. */
  private async apply(tenant: string): Promise<void> {
    const running = this.tenants.get(tenant);
    if (running) await running.am.reload(this.configFor(tenant));
    else await this.open(tenant).restored;
  }

  /** Configurations kept by earlier versions in `<dataDir>/<tenant>/config.yaml` are moved to the store once. */
  private async migrateLocalConfigs(): Promise<void> {
    if (!existsSync(this.opts.dataDir)) return;
    for (const e of readdirSync(this.opts.dataDir, { withFileTypes: true })) {
      const file = join(this.opts.dataDir, e.name, 'config.yaml');
      if (!e.isDirectory() || !existsSync(file) || (await this.opts.store.exists(configKey(e.name)))) continue;
      await this.opts.store.put(configKey(e.name), readFileSync(file));
    }
  }

  /** Read the store, then keep polling it and copying state to it. */
  async start(): Promise<void> {
    await this.migrateLocalConfigs();
    await this.sync();
    const every = (ms: number, f: () => Promise<void>, what: string) => {
      if (ms <= 0) return;
      const t = setInterval(() => void f().catch((e: unknown) => this.opts.logger.error({ err: e }, what)), ms);
      t.unref();
      this.timers.push(t);
    };
    every(this.opts.pollIntervalMs, () => this.sync(), 'reading alertmanager configurations from the store failed');
    every(this.opts.persistIntervalMs, () => this.persistState(), 'writing alertmanager state to the store failed');
  }

  private tenantOf(req: FastifyRequest): string {
    return resolveTenant(req.headers, this.opts.tenancy);
  }

  register(root: FastifyInstance): void {
    void root.register(async (app) => this.registerConfigApi(app));
    // The tenant's API v2, in its own scope (its body parsers stay there).
    void root.register(
      async (scope) => {
        registerV2Routes(scope, { am: (req) => this.get(this.tenantOf(req)), version: '' });
      },
      { prefix: '/alertmanager' },
    );
  }

  private registerConfigApi(app: FastifyInstance): void {
    // The configuration is YAML whatever the content type says.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));
    app.get('/api/v1/alerts', async (req, reply) => {
      const tenant = this.tenantOf(req);
      let text: string;
      try {
        text = (await this.opts.store.get(configKey(tenant))).toString('utf8');
      } catch (e) {
        if (!(e instanceof ObjectNotFoundError)) throw e;
        return reply.code(404).type('text/plain; charset=utf-8').send('alertmanager storage object not found\n');
      }
      return reply.type('application/yaml').send(stringify(parse(text) as TenantDocument));
    });
    app.post('/api/v1/alerts', async (req, reply) => {
      const tenant = this.tenantOf(req);
      let doc: TenantDocument;
      try {
        const body = parse(String(req.body ?? '')) as Partial<TenantDocument> | null;
        if (!body?.alertmanager_config) throw new Error('configuration provided is empty, if you want to delete the config, use the DELETE method');
        doc = { template_files: body.template_files ?? {}, alertmanager_config: body.alertmanager_config };
        const cfg = tenantConfig(tenant, doc);
        // The templates must parse, as Mimir checks them before storing.
        new NotificationTemplate(cfg.templates, cfg.templateFiles);
      } catch (e) {
        return reply.code(400).type('text/plain; charset=utf-8').send(`error validating Alertmanager config: ${(e as Error).message}\n`);
      }
      await this.serial(async () => {
        const text = stringify(doc);
        await this.opts.store.put(configKey(tenant), Buffer.from(text));
        this.docs.set(tenant, { text, doc });
        await this.apply(tenant);
      });
      return reply.code(201).send();
    });
    app.delete('/api/v1/alerts', async (req, reply) => {
      const tenant = this.tenantOf(req);
      await this.serial(async () => {
        await this.opts.store.delete(configKey(tenant));
        await this.opts.store.delete(stateKey(tenant));
        this.docs.delete(tenant);
        await this.tenants.get(tenant)?.am.reload(this.configFor(tenant));
      });
      return reply.code(200).send();
    });
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    await this.serial(async () => {
      await this.persistState();
      for (const { am } of this.tenants.values()) await am.stop();
      this.tenants.clear();
    });
  }
}

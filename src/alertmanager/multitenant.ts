import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Registry } from 'prom-client';
import { parse, stringify } from 'yaml';
import type { Logger } from '../server/index.js';
import { resolveTenant, type TenancyOptions } from '../server/index.js';
import { Alertmanager } from './alertmanager.js';
import { registerV2Routes } from './api/v2-routes.js';
import { parseAlertmanagerConfig, type AlertmanagerConfig } from './config/load-config.js';

/** Mimir's fallback for a tenant without a configuration: one receiver without integrations. */
const FALLBACK = 'route:\n  receiver: empty-receiver\nreceivers:\n  - name: empty-receiver\n';

interface TenantDocument {
  template_files: Record<string, string>;
  alertmanager_config: string;
}

export interface MultitenantOptions {
  dataDir: string;
  tenancy: TenancyOptions;
  logger: Logger;
  externalUrl: () => string;
}

/**
 * Mimir's multi-tenant Alertmanager: one Alertmanager per tenant (`X-Scope-OrgID`), created on first use with the
 * tenant's stored configuration or the fallback; the configuration API `GET/POST/DELETE /api/v1/alerts` (as
 * `mimirtool alertmanager load` uses it) and the tenant's API v2 under `/alertmanager`. Configurations are kept
 * in `<dataDir>/<tenant>/config.yaml`.
 */
export class MultitenantAlertmanager {
  private readonly tenants = new Map<string, Alertmanager>();

  constructor(private readonly opts: MultitenantOptions) {}

  private file(tenant: string): string {
    return join(this.opts.dataDir, tenant, 'config.yaml');
  }

  private stored(tenant: string): TenantDocument | undefined {
    const f = this.file(tenant);
    return existsSync(f) ? (parse(readFileSync(f, 'utf8')) as TenantDocument) : undefined;
  }

  private configFor(tenant: string): AlertmanagerConfig {
    const doc = this.stored(tenant);
    return parseAlertmanagerConfig(doc?.alertmanager_config ?? FALLBACK, `alertmanager config of tenant ${tenant}`);
  }

  /** The tenant's Alertmanager, created on first use. */
  get(tenant: string): Alertmanager {
    let am = this.tenants.get(tenant);
    if (!am) {
      am = new Alertmanager({
        config: this.configFor(tenant),
        dataDir: join(this.opts.dataDir, tenant),
        externalUrl: this.opts.externalUrl,
        retentionMs: 120 * 3600_000,
        fsyncIntervalMs: 1000,
        logger: this.opts.logger,
        // Each tenant's instance has its own metric set (Mimir labels them by user; not exported here).
        registry: new Registry(),
      });
      this.tenants.set(tenant, am);
    }
    return am;
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
      const doc = this.stored(this.tenantOf(req));
      if (!doc) return reply.code(404).type('text/plain; charset=utf-8').send('alertmanager storage object not found\n');
      return reply.type('application/yaml').send(stringify(doc));
    });
    app.post('/api/v1/alerts', async (req, reply) => {
      const tenant = this.tenantOf(req);
      let doc: TenantDocument;
      let cfg: AlertmanagerConfig;
      try {
        const body = parse(String(req.body ?? '')) as Partial<TenantDocument> | null;
        if (!body?.alertmanager_config) throw new Error('configuration provided is empty, if you want to delete the config, use the DELETE method');
        doc = { template_files: body.template_files ?? {}, alertmanager_config: body.alertmanager_config };
        cfg = parseAlertmanagerConfig(doc.alertmanager_config, 'alertmanager_config');
      } catch (e) {
        return reply.code(400).type('text/plain; charset=utf-8').send(`error validating Alertmanager config: ${(e as Error).message}\n`);
      }
      mkdirSync(join(this.opts.dataDir, tenant), { recursive: true });
      writeFileSync(this.file(tenant), stringify(doc));
      await this.get(tenant).reload(cfg);
      return reply.code(201).send();
    });
    app.delete('/api/v1/alerts', async (req, reply) => {
      const tenant = this.tenantOf(req);
      rmSync(this.file(tenant), { force: true });
      await this.tenants.get(tenant)?.reload(this.configFor(tenant));
      return reply.code(200).send();
    });
  }

  async stop(): Promise<void> {
    for (const am of this.tenants.values()) await am.stop();
    this.tenants.clear();
  }
}

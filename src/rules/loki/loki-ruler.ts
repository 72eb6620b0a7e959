import type { FastifyInstance } from 'fastify';
import { stringify as toYaml } from 'yaml';
import type { LokiRulerConfig } from '../../config/index.js';
import type { LogqlQueries, LogsDeps } from '../../logs/index.js';
import { registerRulesApi } from '../../metrics/api/index.js';
import type { Appendable } from '../../metrics/storage-api/index.js';
import { Labels } from '../../model/index.js';
import { builtinAlertmanagerUrl } from '../notifier/builtin-alertmanager.js';
import { resolveTenant, type ComponentContext, type Logger, type Registry, type TenancyOptions } from '../../server/index.js';
import { logqlRuleEngine, validateLogql } from './logql-rule-engine.js';
import { gatedRuleEngine } from '../query-engine.js';
import type { ConcurrencyGate } from '../../lib/worker-pool/index.js';
import { TenantNotifiers } from '../notifier/tenant-notifiers.js';
import { RemoteWriteAppendable } from '../ruler/remote-write-appendable.js';
import { TenantRulers } from '../ruler/tenant-rulers.js';

export interface LokiRulerDeps {
  config: LokiRulerConfig;
  /** What runs the rules' queries: the LogQL engine, or the engine in the query workers (`logs.query.workers`). */
  engine: LogqlQueries;
  /** The Loki API's query gate (`logs.query.max_concurrent`): each rule query waits for a slot, as an API query. */
  gate?: ConcurrencyGate;
  tenancy: TenancyOptions;
  registry: Registry;
  logger: Logger;
  /** The Loki API's own URL, for `generatorURL` when `external_url` is unset. */
  selfURL: string;
  /** The built-in Alertmanager of this process (`--target all`), used when `alertmanager_url` is empty. */
  builtinAlertmanagerUrl?: string;
  /** Where results go when `remote_write` is off (the local TSDB in the one-process default); else discarded, as Loki. */
  localAppendable?: Appendable;
}

export interface LokiRuler {
  readonly rulers: TenantRulers;
  /** Re-reads the rule directory now (also done every `poll_interval`); errors by tenant. */
  poll(): Promise<Map<string, string[]>>;
  stop(): Promise<void>;
}

/** Loki discards recording-rule results unless `remote_write` is enabled. */
const DISCARD: Appendable = {
  appender: () => ({ append: () => 0, appendExemplar: () => 0, updateMetadata: () => 0, commit: async () => undefined, rollback: () => undefined }),
};

/**
 * Loki's ruler on the Loki role: the one rule engine (`TenantRulers` → `RuleManager` → `RuleGroup`) evaluating each
 * tenant's LogQL rules from the local rule directory through the LogQL engine (in the query workers when
 * `logs.query.workers > 0`; a group's rules still run one after the other); alerts to `alertmanager_url`;
 * recording rules and `ALERTS` remote-written as the tenant when `remote_write` is on. With `enable_api`, mounts
 * `/loki/api/v1/rules[/{namespace}]` (YAML, as Loki) and `/prometheus/api/v1/rules|alerts` (Prometheus's JSON).
 */
export async function startLokiRuler(app: FastifyInstance, deps: LokiRulerDeps): Promise<LokiRuler> {
  const cfg = deps.config;
  const log = deps.logger.child({ component: 'ruler' });
  const externalURL = (cfg.external_url || deps.selfURL).replace(/\/$/, '');
  const externalLabels = Labels.fromObject(cfg.external_labels);
  const amUrl = cfg.alertmanager_url || deps.builtinAlertmanagerUrl || '';
  const notifier = amUrl ? new TenantNotifiers(amUrl, { registry: deps.registry, logger: log, externalLabels, externalURL }) : undefined;
  const rulers = new TenantRulers({
    engineFor: (tenant) => (deps.gate ? gatedRuleEngine(logqlRuleEngine(deps.engine, tenant), deps.gate) : logqlRuleEngine(deps.engine, tenant)),
    appendableFor: (tenant) => (cfg.remote_write.enabled ? new RemoteWriteAppendable({ url: cfg.remote_write.client.url, headers: cfg.remote_write.client.headers, tenant }, log) : (deps.localAppendable ?? DISCARD)),
    validateExpr: validateLogql,
    notify: notifier?.notify,
    registry: deps.registry,
    logger: log,
    externalLabels,
    externalURL,
    evaluationInterval: cfg.evaluation_interval,
    resendDelay: cfg.resend_delay,
    outageTolerance: cfg.for_outage_tolerance,
    forGracePeriod: cfg.for_grace_period,
    // Loki keeps no ALERTS_FOR_STATE to read back: after a restart the rules are evaluated back over their `for`.
    replayForState: true,
  });
  const dir = cfg.storage.local.directory;
  const poll = () => rulers.sync(TenantRulers.scanDirectory(dir));
  const errors = await poll();
  for (const [tenant, errs] of errors) log.error({ tenant, errors: errs }, 'invalid rule files');
  const timer = setInterval(() => void poll().catch((e: unknown) => log.error({ err: e }, 'polling rules failed')), cfg.poll_interval);
  timer.unref();

  if (cfg.enable_api) {
    const tenantOf = (headers: Record<string, string | string[] | undefined>) => resolveTenant(headers, deps.tenancy);
    const yamlReply = (groups: Map<string, unknown[]>) => toYaml(Object.fromEntries(groups));
    app.get('/loki/api/v1/rules', async (req, reply) => {
      const groups = rulers.ruleGroupsByNamespace(tenantOf(req.headers));
      if (groups.size === 0) return reply.code(404).type('text/plain').send('no rule groups found\n');
      return reply.type('application/yaml').send(yamlReply(groups));
    });
    app.get<{ Params: { namespace: string } }>('/loki/api/v1/rules/:namespace', async (req, reply) => {
      const all = rulers.ruleGroupsByNamespace(tenantOf(req.headers));
      const groups = all.get(req.params.namespace);
      if (!groups) return reply.code(404).type('text/plain').send('no rule groups found\n');
      return reply.type('application/yaml').send(yamlReply(new Map([[req.params.namespace, groups]])));
    });
    registerRulesApi(app, '/prometheus/api/v1', (req) => {
      const tenant = tenantOf(req.headers);
      return { rules: () => rulers.status(tenant), alerts: () => rulers.alerts(tenant) };
    });
  }

  return {
    rulers,
    poll,
    async stop() {
      clearInterval(timer);
      await rulers.stop();
      notifier?.stop();
    },
  };
}

/**
 * The Loki role's ruler hook (`LogsDeps.ruler`) when `logs.ruler.storage.local.directory` is set; `localAppendable`
 * receives recording-rule results in the one-process default when `remote_write` is off.
 */
export function lokiRulerHook(ctx: ComponentContext, localAppendable?: Appendable): LogsDeps['ruler'] {
  const cfg = ctx.config.logs.ruler;
  if (cfg.storage.local.directory === '') return undefined;
  return async (host) =>
    startLokiRuler(host.app, {
      config: cfg,
      engine: host.queries,
      gate: host.gate,
      tenancy: host.tenancy,
      registry: ctx.registry,
      logger: ctx.logger,
      selfURL: `http://${ctx.config.logs.listen_address}`,
      localAppendable,
      builtinAlertmanagerUrl: builtinAlertmanagerUrl(ctx),
    });
}

import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Logger } from 'pino';
import { Gauge } from 'prom-client';
import type { SightlineConfig } from '../config/index.js';
import { ConfigError } from '../config/index.js';
import { MemoryGuard, createSelfMetricsRegistry, defaultMemoryLimit, setProcessMemoryGuard, setProcessCorsOrigin, setProcessTenantTokens, setProcessWebConfig, TenantTokens, type Component, type ComponentContext } from '../server/index.js';
import type { Target } from './args.js';
import { checkExposedListeners, corsOriginOf, loadWebConfigs, webConfigOfListener } from './listener-security.js';
import { version } from '../lib/version.js';

export interface StartOptions {
  config: SightlineConfig;
  dataDir: string;
  target: Target;
  logger: Logger;
}

export interface RunningSightline {
  readonly components: readonly Component[];
  /** Bound ports of every listener, e.g. `{ prometheus: 9090 }`. */
  readonly ports: Record<string, number>;
  /** Whether the listener bound as `ports[port]` serves TLS (its web configuration has `tls_server_config`). */
  tls(port: string): boolean;
  stop(): Promise<void>;
}

/**
 * Each component's module, loaded only when the target runs it: a single-role process does not carry the others'
 * code and dependencies (measured on import: every area ~138 MB RSS, the Mimir role alone ~100 MB).
 */
const load = {
  metrics: () => import('../metrics/index.js'),
  mimir: () => import('../metrics/mimir/index.js'),
  logs: () => import('../logs/index.js'),
  lokiRuler: () => import('../rules/loki/index.js'),
  traces: () => import('../traces/index.js'),
  otlp: () => import('../otlp/index.js'),
  collector: () => import('../collector/index.js'),
  alertmanager: () => import('../alertmanager/index.js'),
  ui: () => import('../ui/index.js'),
  agent: () => import('../agent/index.js'),
};

/**
 * Build the components of a target in dependency order, each given what it needs as arguments: the stores first,
 * then the receivers that hand data to them (OTLP), then the UI. `add` records a started component (for ports
 * and reverse-order stop) and returns it.
 */
async function startTarget(target: Target, ctx: ComponentContext, add: <C extends Component>(c: C) => C): Promise<void> {
  switch (target) {
    case 'all': {
      const [{ startMetrics }, { startMimir }, { startLogs }, { lokiRulerHook }, { startTraces }, { startAlertmanager }, { startUi }] = await Promise.all([
        load.metrics(),
        load.mimir(),
        load.logs(),
        load.lokiRuler(),
        load.traces(),
        load.alertmanager(),
        load.ui(),
      ]);
      // The Alertmanager first: the rule evaluators (Prometheus rules, Loki and Mimir rulers) send to it by default.
      const am = add(await startAlertmanager(ctx, { version: version() }));
      const metrics = add(await startMetrics(ctx));
      const mimir = add(await startMimir(ctx));
      // Multi-tenant OTLP metrics and span metrics go to the tenant's Mimir store, never into the shared Prometheus one (issue 19).
      const metricsForTenant = async (t: string) => (await mimir.tenants.get(t)).tsdb;
      const logs = add(await startLogs(ctx, { ruler: lokiRulerHook(ctx, metrics.appendable) }));
      const traces = add(await startTraces(ctx, { metrics: metrics.appendable, metricsForTenant }));
      const stores = { traces: traces.traces, metrics: metrics.appendable, metricsForTenant, logs: logs.logs };
      // A Collector configuration's pipelines take the place of the plain OTLP receivers; its `sightline`
      // exporter hands data to these stores.
      const collectorFile = ctx.config.collector.config_file;
      if (collectorFile) add(await (await load.collector()).startCollector(ctx, { configFile: collectorFile, inProcess: stores }));
      else add(await (await load.otlp()).startOtlp(ctx, stores));
      const ui = await startAlone(ctx, 'ui', () => startUi(ctx, { scrapeJobs: metrics.scrapeJobs, alertmanager: am.alertmanager }));
      if (ui) add(ui);
      // Tails local files only when a promtail.yaml (or Helm values file) is configured; ships into the Loki role
      // above. Without one its module is not loaded (~1 MB of heap no user of `--target all` without it needs).
      if (agentConfigured(ctx.config)) add(await (await load.agent()).startAgent(ctx));
      return;
    }
    case 'traces': {
      // Tempo's distributor has its own OTLP receivers: spans go to this trace store.
      const traces = add(await (await load.traces()).startTraces(ctx));
      add(await (await load.otlp()).startOtlp(ctx, { traces: traces.traces }));
      return;
    }
    case 'metrics':
      add(await (await load.metrics()).startMetrics(ctx));
      return;
    case 'mimir':
      add(await (await load.mimir()).startMimir(ctx));
      return;
    case 'logs': {
      const [{ startLogs }, { lokiRulerHook }] = await Promise.all([load.logs(), load.lokiRuler()]);
      add(await startLogs(ctx, { ruler: lokiRulerHook(ctx) }));
      return;
    }
    case 'otlp':
      // No store in this process: each signal goes to its configured forwarder.
      add(await (await load.otlp()).startOtlp(ctx));
      return;
    case 'collector': {
      const file = ctx.config.collector.config_file;
      if (!file) throw new ConfigError('<flags>', 'collector.config_file', '--target collector needs --otelcol.config FILE (or collector.config_file)');
      add(await (await load.collector()).startCollector(ctx, { configFile: file }));
      return;
    }
    case 'ui':
      add(await (await load.ui()).startUi(ctx));
      return;
    case 'alertmanager':
      add(await (await load.alertmanager()).startAlertmanager(ctx, { version: version() }));
      return;
    case 'agent':
      add(await (await load.agent()).startAgent(ctx, { compactWhenIdle: true }));
      return;
  }
}

/** Whether the agent section names a Promtail configuration: without one the agent has nothing to tail. */
function agentConfigured(config: SightlineConfig): boolean {
  return config.agent.promtail_config_file !== undefined || config.agent.promtail_helm_values_file !== undefined;
}

/**
 * Start a component that the pillars do not depend on (the web UI) so that its failure — say, its database on a
 * full disk — stays its own: logged, `sightline_component_up{component}` 0, and the rest of the process runs.
 * With `server.fail_fast` the error stops the start as any other would.
 */
async function startAlone(ctx: ComponentContext, name: string, start: () => Promise<Component>): Promise<Component | undefined> {
  const up = new Gauge({ name: 'sightline_component_up', help: 'Whether a component of this process started (1) or failed to start and is not running (0).', labelNames: ['component'], registers: [ctx.registry] });
  try {
    const c = await start();
    up.set({ component: name }, 1);
    return c;
  } catch (e) {
    if (ctx.config.server.fail_fast) throw e;
    up.set({ component: name }, 0);
    ctx.logger.error({ err: e, component: name }, `the ${name} component could not start and is not running; the other components keep running (server.fail_fast: false)`);
    return undefined;
  }
}

/** The configuration sections whose listeners a target starts. */
const TARGET_SECTIONS: Record<Target, readonly string[]> = {
  all: ['metrics', 'mimir', 'logs', 'traces', 'otlp', 'alertmanager', 'ui'],
  alertmanager: ['alertmanager'],
  traces: ['traces', 'otlp'],
  metrics: ['metrics'],
  mimir: ['mimir'],
  logs: ['logs'],
  otlp: ['otlp'],
  collector: ['collector'],
  ui: ['ui'],
  // The agent's only listener is Promtail's read-only self-monitoring port from promtail.yaml.
  agent: [],
};

/** The listener (`webConfigFor`'s name) behind each port name components report, where the two differ. */
const PORT_LISTENER: Record<string, string> = { prometheus: 'metrics', loki: 'logs', tempo: 'traces', otlp_grpc: 'otlp', otlp_http: 'otlp' };

/** Start the components of a target in one process. Stops in reverse order. */
export async function startSightline(opts: StartOptions): Promise<RunningSightline> {
  const dataDir = resolve(opts.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const bound: Record<string, number> = {};
  const ctx: ComponentContext = { config: opts.config, dataDir, logger: opts.logger, registry: createSelfMetricsRegistry(), ports: bound };
  const web = loadWebConfigs(opts.config);
  checkExposedListeners(opts.config, TARGET_SECTIONS[opts.target] ?? [], web, (msg, path) => opts.logger.warn({ listener: path }, msg));
  setProcessWebConfig(web.global, web.perListener);
  setProcessTenantTokens(new TenantTokens(opts.config.server.tenant_tokens));
  setProcessCorsOrigin(corsOriginOf(opts.config));
  const guard = new MemoryGuard({ limitBytes: opts.config.server.memory_limit ?? defaultMemoryLimit(), spikeBytes: opts.config.server.memory_spike_limit });
  guard.register(ctx.registry);
  setProcessMemoryGuard(guard);
  const components: Component[] = [];
  const add = <C extends Component>(c: C): C => {
    components.push(c);
    Object.assign(bound, c.ports);
    return c;
  };
  try {
    await startTarget(opts.target, ctx, add);
  } catch (e) {
    for (const c of components.reverse()) await c.stop().catch(() => {});
    setProcessMemoryGuard(undefined);
    setProcessWebConfig(undefined);
    setProcessTenantTokens(undefined);
    setProcessCorsOrigin(undefined);
    throw e;
  }
  const ports = Object.assign({}, ...components.map((c) => c.ports)) as Record<string, number>;
  let stopping: Promise<void> | undefined;
  return {
    components,
    ports,
    tls: (port) => webConfigOfListener(web, PORT_LISTENER[port] ?? port)?.tlsEnabled ?? false,
    stop() {
      stopping ??= (async () => {
        setProcessMemoryGuard(undefined);
        setProcessWebConfig(undefined);
        setProcessTenantTokens(undefined);
        setProcessCorsOrigin(undefined);
        for (const c of [...components].reverse()) {
          try {
            await c.stop();
          } catch (e) {
            opts.logger.error({ err: e, component: c.name }, 'error while stopping');
          }
        }
      })();
      return stopping;
    },
  };
}

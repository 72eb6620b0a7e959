import { parseArgs } from 'node:util';
import { LISTENER_SECTIONS } from '../config/index.js';

export const TARGETS = ['all', 'metrics', 'mimir', 'logs', 'traces', 'otlp', 'collector', 'ui', 'alertmanager', 'agent'] as const;
export type Target = (typeof TARGETS)[number];

export interface CliOptions {
  configFile?: string;
  dataDir: string;
  target: Target;
  prometheusConfig?: string;
  promtailConfig?: string;
  /** An OpenTelemetry Collector configuration file (`--otelcol.config`). */
  otelcolConfig?: string;
  /** An alertmanager.yml, used unchanged by the built-in Alertmanager. */
  alertmanagerConfig?: string;
  /** Flag overrides in Prometheus's spelling, applied on top of the config file. */
  overrides: Record<string, string>;
  /** `--web.enable-admin-api`: the Prometheus role's admin endpoints (TSDB snapshot). */
  enableAdminApi?: boolean;
  help: boolean;
  version: boolean;
}

export class UsageError extends Error {
  override name = 'UsageError';
}

/** Prometheus-style flags that override a config value, and the config path they set. */
export const FLAG_OVERRIDES: Record<string, string> = {
  'web.listen-address': 'metrics.listen_address',
  'storage.tsdb.retention.time': 'metrics.tsdb.retention_time',
  'storage.tsdb.retention.size': 'metrics.tsdb.retention_size',
  'query.timeout': 'metrics.query.timeout',
  'query.max-samples': 'metrics.query.max_samples',
  'query.lookback-delta': 'metrics.query.lookback_delta',
  'query.max-concurrency': 'metrics.query.max_concurrency',
  'log.level': 'server.log_level',
  'rules.alert.for-outage-tolerance': 'rules.alert.for_outage_tolerance',
  'rules.alert.for-grace-period': 'rules.alert.for_grace_period',
  'rules.alert.resend-delay': 'rules.alert.resend_delay',
  'web.external-url': 'rules.external_url',
  'web.config.file': 'server.web_config_file',
  'web.cors.origin': 'server.cors_origin',
  // One component's own web configuration, replacing --web.config.file for its listeners.
  ...Object.fromEntries(
    Object.entries(LISTENER_SECTIONS).map(([listener, section]) => [`${listener}.web.config.file`, `${section}.web_config_file`]),
  ),
  'web.get-concurrency': 'alertmanager.web_get_concurrency',
  'web.timeout': 'alertmanager.web_timeout',
};

export const USAGE = `Usage: sightline [flags]

The observability stack (metrics, logs, traces, dashboards) in one process.

Flags:
  --config.file FILE          Sightline configuration (YAML; \${VAR} expanded from the environment)
  --data-dir DIR              where all data lives (default ./data)
  --target TARGET             component to run: ${TARGETS.join('|')} (default all)
  --prometheus.config FILE    a Prometheus configuration file, used unchanged
  --promtail.config FILE      a Promtail configuration file for the log agent, used unchanged
  --otelcol.config FILE       an OpenTelemetry Collector configuration file, used unchanged (--target collector,
                              or inside all: its pipelines replace the plain OTLP receivers)
  --alertmanager.config FILE  an Alertmanager configuration file (alertmanager.yml), used unchanged
  --web.listen-address ADDR   Prometheus API listen address (default 127.0.0.1:9090)
  --web.enable-admin-api      enable the Prometheus admin endpoints (POST /api/v1/admin/tsdb/snapshot)
  --web.config.file FILE      web configuration (TLS, client certificates, basic auth) for every listener
  --COMPONENT.web.config.file FILE
                              a component's own web configuration, replacing --web.config.file for its
                              listeners (COMPONENT: metrics|mimir|logs|traces|zipkin|jaeger|otlp|alertmanager|ui)
  --web.cors.origin REGEX     origins allowed cross-origin reads of the APIs (anchored; default none)
  --web.get-concurrency N     Alertmanager: concurrent GET requests allowed (default 0 = CPUs, at least 8)
  --web.timeout DURATION      Alertmanager: per-request timeout (default 0 = none)
  --storage.tsdb.retention.time DURATION   (default 15d)
  --storage.tsdb.retention.size SIZE       (default 0 = unlimited)
  --query.timeout DURATION    (default 2m)
  --query.max-samples N       (default 50000000)
  --query.lookback-delta DURATION          (default 5m)
  --query.max-concurrency N   queries evaluated at once; others wait in a queue (default 20)
  --log.level LEVEL           debug|info|warn|error
  --help                      show this help
  --version                   print the version

Commands:
  sightline check rules FILE...        check rule files as promtool does (exit 1 on errors)
  sightline check config FILE...       check a Prometheus configuration and its rule files
  sightline tokens create --tenant ID --scope SCOPE [--name NAME]
                                       a new tenant token and its server.tenant_tokens entry
  sightline tokens hash < token        the SHA-256 of an existing token
  sightline tokens bcrypt [--user NAME] [--cost N] < password
                                       a bcrypt hash for the web configuration's basic_auth_users
  sightline export dashboards DIR [--url URL]
                                       every dashboard as Grafana JSON files (backup)
`;

export function parseCliArgs(argv: string[]): CliOptions {
  const overrideOptions = Object.fromEntries(Object.keys(FLAG_OVERRIDES).map((k) => [k, { type: 'string' as const }]));
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        'config.file': { type: 'string' },
        'data-dir': { type: 'string' },
        target: { type: 'string' },
        'prometheus.config': { type: 'string' },
        'promtail.config': { type: 'string' },
        'otelcol.config': { type: 'string' },
        'alertmanager.config': { type: 'string' },
        'web.enable-admin-api': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean' },
        ...overrideOptions,
      },
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const v = parsed.values as Record<string, string | boolean | undefined>;
  const target = (v.target as string | undefined) ?? 'all';
  if (!(TARGETS as readonly string[]).includes(target)) {
    throw new UsageError(`--target: unknown target ${JSON.stringify(target)} (one of ${TARGETS.join(', ')})`);
  }
  const overrides: Record<string, string> = {};
  for (const k of Object.keys(FLAG_OVERRIDES)) if (typeof v[k] === 'string') overrides[k] = v[k] as string;
  return {
    configFile: v['config.file'] as string | undefined,
    dataDir: (v['data-dir'] as string | undefined) ?? './data',
    target: target as Target,
    prometheusConfig: v['prometheus.config'] as string | undefined,
    promtailConfig: v['promtail.config'] as string | undefined,
    otelcolConfig: v['otelcol.config'] as string | undefined,
    alertmanagerConfig: v['alertmanager.config'] as string | undefined,
    overrides,
    enableAdminApi: v['web.enable-admin-api'] === true,
    help: v.help === true,
    version: v.version === true,
  };
}

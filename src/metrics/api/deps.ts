import type { CorsOrigin } from '../../server/index.js';
import type { ConcurrencyGate } from '../../lib/worker-pool/index.js';
import type { FastifyRequest } from 'fastify';
import type { Registry } from 'prom-client';
import type { Labels, Matcher } from '../../model/index.js';
import type { PromqlEngine } from '../promql/types.js';
import type { TargetsSource } from '../scrape/types.js';
import type { ExemplarQueryable, MetadataSource, Queryable } from '../storage-api/interface.js';

/** `/api/v1/status/buildinfo` (Prometheus's `PrometheusVersion`). */
export interface BuildInfo {
  version: string;
  revision: string;
  branch: string;
  buildUser: string;
  buildDate: string;
  goVersion: string;
}

/** `/api/v1/status/runtimeinfo` (Prometheus's `RuntimeInfo`); times as RFC 3339 strings. */
export interface RuntimeInfo {
  startTime: string;
  CWD: string;
  hostname: string;
  serverTime: string;
  reloadConfigSuccess: boolean;
  lastConfigTime: string;
  corruptionCount: number;
  goroutineCount: number;
  GOMAXPROCS: number;
  GOMEMLIMIT: number;
  GOGC: string;
  GODEBUG: string;
  storageRetention: string;
}

export interface TsdbStat {
  name: string;
  value: number;
}

/** `/api/v1/status/tsdb` (Prometheus's `TSDBStatus`); each list has at most `limit` entries, largest first. */
export interface TsdbStatus {
  headStats: { numSeries: number; numLabelPairs: number; chunkCount: number; minTime: number; maxTime: number };
  seriesCountByMetricName: TsdbStat[];
  labelValueCountByLabelName: TsdbStat[];
  memoryInBytesByLabelName: TsdbStat[];
  seriesCountByLabelValuePair: TsdbStat[];
}

/** An active alert, as `/api/v1/alerts` and alerting rules show it. Times in ms. */
export interface AlertStatus {
  labels: Labels;
  annotations: Labels;
  state: 'pending' | 'firing';
  activeAt: number;
  /** ms; 0 when not keeping firing. */
  keepFiringSince?: number;
  value: number;
}

interface RuleStatusBase {
  name: string;
  query: string;
  labels: Labels;
  health: 'ok' | 'err' | 'unknown';
  lastError: string;
  /** Seconds. */
  evaluationTime: number;
  /** ms; 0 when never evaluated. */
  lastEvaluation: number;
}

export interface AlertingRuleStatus extends RuleStatusBase {
  type: 'alerting';
  state: 'inactive' | 'pending' | 'firing';
  /** Seconds (`for`). */
  duration: number;
  keepFiringFor: number;
  annotations: Labels;
  alerts: AlertStatus[];
}

export interface RecordingRuleStatus extends RuleStatusBase {
  type: 'recording';
}

export type RuleStatus = AlertingRuleStatus | RecordingRuleStatus;

export interface RuleGroupStatus {
  name: string;
  file: string;
  /** Seconds. */
  interval: number;
  limit: number;
  evaluationTime: number;
  lastEvaluation: number;
  rules: RuleStatus[];
}

/** One metric family's metadata as one target exposed it (`/api/v1/targets/metadata`). */
export interface TargetMetadata {
  /** The target's labels after relabeling. */
  target: Labels;
  metric: string;
  type: string;
  help: string;
  unit: string;
}

/**
 * What the Prometheus HTTP API reads. Everything but the storage, the engine, the configuration, the flags and
 * the build information is optional: an absent source gives Prometheus's empty answer (no targets, no rules, no
 * alerts, no metadata, no exemplars).
 */
export interface PrometheusApiDeps {
  queryable: Queryable;
  engine: PromqlEngine;
  /** `format_query`: the expression pretty-printed; throws a `PromqlError('bad_data')` on a syntax error. */
  formatQuery?: (expr: string) => string;
  /** `parse_query`: the expression's AST as Prometheus's JSON; throws a `PromqlError('bad_data')` on a syntax error. */
  parseQuery?: (expr: string) => unknown;
  metadata?: MetadataSource;
  exemplars?: ExemplarQueryable;
  targets?: TargetsSource;
  /** Per-target metadata of active targets, for `targets/metadata`; none when absent. */
  targetMetadata?: () => TargetMetadata[];
  tsdbStatus?: (limit: number) => TsdbStatus | Promise<TsdbStatus>;
  /** The loaded configuration as YAML (`/status/config`). */
  configYaml: () => string;
  /** Command-line flags (`/status/flags`). */
  flags: () => Record<string, string>;
  buildInfo: BuildInfo;
  runtimeInfo?: () => RuntimeInfo;
  rules?: () => RuleGroupStatus[];
  /** Defaults to the active alerts of the alerting rules in `rules`. */
  alerts?: () => AlertStatus[];
  /** `admin/tsdb/snapshot` (present only with the admin API enabled): write snapshot `name`. */
  snapshot?: (name: string, skipHead: boolean) => Promise<void>;
  /** `admin/tsdb/delete_series` (admin API only): delete the samples in [start, end] of the series matching. */
  deleteSeries?: (matchers: Matcher[], start: number, end: number) => Promise<void>;
  /** `admin/tsdb/clean_tombstones` (admin API only): rewrite the blocks that have deletions. */
  cleanTombstones?: () => Promise<void>;
  /** `status/walreplay`: WAL segments replayed at start. */
  walReplay?: () => { min: number; max: number; current: number };
  /** `alertmanagers`: URLs of the Alertmanagers notified. */
  alertmanagers?: () => string[];
}

export interface PrometheusApiOptions {
  /** Default `/api/v1`; `/prometheus/api/v1` for the Mimir role. */
  prefix?: string;
  /** Mount only `/rules` and `/alerts` (the Loki and Mimir rulers' API); see `registerRulesApi`. */
  rulesOnly?: boolean;
  /**
   * Per-request dependencies (the tenant's storage, say); overrides the static ones. May throw an `HttpError`
   * (401 "no org id") that is rendered in Prometheus's error format.
   */
  resolveDeps?: (req: FastifyRequest) => PrometheusApiDeps | Promise<PrometheusApiDeps>;
  /** Concurrent `query`/`query_range` evaluations (Prometheus's `--query.max-concurrency`, default 20); others wait. */
  maxConcurrentQueries?: number;
  /** The gate itself, when others share it (the rule evaluations, as Prometheus's engine counts every query); else one of `maxConcurrentQueries`. */
  gate?: ConcurrencyGate;
  /** Where the query gauges (`prometheus_engine_queries`, `prometheus_engine_queries_concurrent_max`) go; none when absent. */
  registry?: Registry;
  /** Prometheus's `--query.timeout` (ms, default 2m): the longest a query may run, whatever its `timeout` parameter. */
  queryTimeoutMs?: number;
  /** Allowed CORS origins (Prometheus's `--web.cors.origin`, anchored); the process's `server.cors_origin` when absent. */
  corsOrigin?: CorsOrigin;
  /** Time source (tests). */
  now?: () => number;
}

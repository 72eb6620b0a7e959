import { formatDuration, parseDuration } from '../../config/index.js';
import { Labels, isValidLabelName } from '../../model/index.js';
import type { ScrapeConfig } from '../promconfig/index.js';
import { processBuilder, type CompiledRelabel } from '../relabel/index.js';

export const ADDRESS_LABEL = '__address__';
export const SCHEME_LABEL = '__scheme__';
export const METRICS_PATH_LABEL = '__metrics_path__';
export const SCRAPE_INTERVAL_LABEL = '__scrape_interval__';
export const SCRAPE_TIMEOUT_LABEL = '__scrape_timeout__';
export const PARAM_PREFIX = '__param_';
export const META_PREFIX = '__meta_';

export class TargetLabelsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TargetLabelsError';
  }
}

export interface PopulatedTarget {
  /** Labels after relabeling (internal `__` labels included); undefined when the target was dropped. */
  labels: Labels | undefined;
  /** Labels before relabeling (discovered labels plus job/scheme/path/interval defaults). */
  discovered: Labels;
}

/**
 * Prometheus's `PopulateLabels`: merge group and target labels, add the job's defaults, apply relabel_configs, drop
 * `__meta_*`, check the address and the interval/timeout overrides, and default `instance` to the address.
 */
export function populateLabels(merged: Record<string, string>, cfg: ScrapeConfig, rules: readonly CompiledRelabel[]): PopulatedTarget {
  const lb = Labels.EMPTY.builder();
  for (const [k, v] of Object.entries(merged)) lb.set(k, v);
  const defaults: [string, string][] = [
    ['job', cfg.job_name],
    [SCRAPE_INTERVAL_LABEL, formatDuration(cfg.scrape_interval)],
    [SCRAPE_TIMEOUT_LABEL, formatDuration(cfg.scrape_timeout)],
    [METRICS_PATH_LABEL, cfg.metrics_path],
    [SCHEME_LABEL, cfg.scheme],
  ];
  for (const [k, v] of defaults) if (lb.get(k) === '') lb.set(k, v);
  for (const [k, vs] of Object.entries(cfg.params)) {
    if (vs.length > 0 && lb.get(PARAM_PREFIX + k) === '') lb.set(PARAM_PREFIX + k, vs[0]);
  }
  const discovered = lb.labels();
  if (!processBuilder(lb, rules)) return { labels: undefined, discovered };
  const addr = lb.get(ADDRESS_LABEL);
  if (addr === '') throw new TargetLabelsError('no address');
  if (addr.includes('/')) throw new TargetLabelsError(`${JSON.stringify(addr)} is not a valid hostname`);
  const interval = lb.get(SCRAPE_INTERVAL_LABEL);
  let intervalMs: number;
  try {
    intervalMs = parseDuration(interval);
  } catch (e) {
    throw new TargetLabelsError(`error parsing scrape interval: ${(e as Error).message}`);
  }
  if (intervalMs === 0) throw new TargetLabelsError('scrape interval cannot be 0');
  const timeout = lb.get(SCRAPE_TIMEOUT_LABEL);
  let timeoutMs: number;
  try {
    timeoutMs = parseDuration(timeout);
  } catch (e) {
    throw new TargetLabelsError(`error parsing scrape timeout: ${(e as Error).message}`);
  }
  if (timeoutMs === 0) throw new TargetLabelsError('scrape timeout cannot be 0');
  if (timeoutMs > intervalMs) throw new TargetLabelsError(`scrape timeout cannot be greater than scrape interval (${JSON.stringify(timeout)} > ${JSON.stringify(interval)})`);
  const metaNames: string[] = [];
  lb.forEach((n) => {
    if (n.startsWith(META_PREFIX)) metaNames.push(n);
  });
  if (metaNames.length > 0) lb.del(...metaNames);
  if (lb.get('instance') === '') lb.set('instance', addr);
  const out = lb.labels();
  let bad: string | undefined;
  out.forEach((n) => {
    if (bad === undefined && !isValidLabelName(n)) bad = n;
  });
  if (bad !== undefined) throw new TargetLabelsError(`invalid label name ${JSON.stringify(bad)}`);
  return { labels: out, discovered };
}

/** A scrape target: its relabelled labels, where to scrape it and how often. */
export class Target {
  readonly key: string;
  readonly url: URL;
  /** The URL as Prometheus prints it (Go's url.URL keeps an explicit default port such as `:443`). */
  readonly urlString: string;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  /** The labels every series of this target gets: the relabelled labels without `__`-prefixed ones. */
  readonly seriesLabels: Labels;

  constructor(
    readonly labels: Labels,
    readonly discovered: Labels,
    cfg: ScrapeConfig,
  ) {
    this.key = labels.key();
    this.intervalMs = parseDuration(labels.get(SCRAPE_INTERVAL_LABEL));
    this.timeoutMs = parseDuration(labels.get(SCRAPE_TIMEOUT_LABEL));
    const params = new URLSearchParams();
    for (const [k, vs] of Object.entries(cfg.params)) for (const v of vs) params.append(k, v);
    labels.forEach((n, v) => {
      if (n.startsWith(PARAM_PREFIX)) params.set(n.slice(PARAM_PREFIX.length), v);
    });
    const q = params.toString();
    this.url = new URL(`${labels.get(SCHEME_LABEL)}://${labels.get(ADDRESS_LABEL)}${labels.get(METRICS_PATH_LABEL)}${q ? `?${q}` : ''}`);
    this.urlString = `${this.url.protocol}//${labels.get(ADDRESS_LABEL)}${this.url.pathname}${this.url.search}`;
    const flat: string[] = [];
    labels.forEach((n, v) => {
      if (!n.startsWith('__')) flat.push(n, v);
    });
    this.seriesLabels = Labels.fromSortedFlat(flat);
  }

  /** A stable hash of the target, for spreading scrape start times (Prometheus's per-target offset). */
  hash(): number {
    let h = 0x811c9dc5;
    const s = this.key + this.url.href;
    for (let i = 0; i < s.length; i++) {
      h ^= s.charCodeAt(i);
      h = Math.imul(h, 0x01000193) >>> 0;
    }
    return h;
  }
}

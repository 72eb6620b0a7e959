import type { Registry } from 'prom-client';
import type { LogEntry } from '../entry.js';
import { extractedValue, valueToString } from './extracted.js';
import type { Stage } from './pipeline.js';
import type { StageConfig } from './stage-config.js';

type MetricConfig = NonNullable<StageConfig['metrics']>[string];

interface Series {
  labels: Record<string, string>;
  value: number;
  buckets?: Float64Array;
  sum?: number;
  lastAt: number;
}

const DEFAULT_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * One metric of a `metrics` stage. Its label set is each entry's labels (without `__` labels), which a prom-client
 * metric cannot declare up front, so it is registered as a collector of its own series. Series idle longer than
 * `max_idle_duration` (default 5m) are removed.
 */
class StageMetric {
  private readonly series = new Map<string, Series>();
  private readonly type: 'counter' | 'gauge' | 'histogram';
  private readonly buckets: number[];
  readonly name: string;
  readonly help: string;
  readonly aggregator = 'sum';

  constructor(
    key: string,
    private readonly cfg: MetricConfig,
  ) {
    this.type = cfg.type.toLowerCase() as 'counter' | 'gauge' | 'histogram';
    this.name = `${cfg.prefix}${key}`;
    this.help = cfg.description || `${this.type} ${key}`;
    this.buckets = cfg.config.buckets ?? DEFAULT_BUCKETS;
    const action = cfg.config.action;
    if (this.type === 'counter' && action !== 'inc' && action !== 'add') throw new Error(`counter ${key}: action must be inc or add`);
    if (this.type === 'gauge' && !['set', 'inc', 'dec', 'add', 'sub'].includes(action ?? '')) throw new Error(`gauge ${key}: action must be set, inc, dec, add or sub`);
    if (this.type === 'counter' && cfg.config.match_all && cfg.config.value !== undefined) throw new Error(`counter ${key}: match_all and value are mutually exclusive`);
  }

  get metricType(): string {
    return this.type;
  }

  private seriesOf(e: LogEntry): Series {
    let key = '';
    const labels: Record<string, string> = {};
    for (const k of Object.keys(e.labels).sort()) {
      if (k.startsWith('__')) continue;
      labels[k] = e.labels[k];
      key += `${k}\u0000${e.labels[k]}\u0001`;
    }
    let s = this.series.get(key);
    if (!s) {
      s = { labels, value: 0, lastAt: 0 };
      if (this.type === 'histogram') {
        s.buckets = new Float64Array(this.buckets.length);
        s.sum = 0;
      }
      this.series.set(key, s);
    }
    s.lastAt = Date.now();
    return s;
  }

  update(e: LogEntry, source: string): void {
    const c = this.cfg.config;
    if (this.type === 'counter' && c.match_all) {
      const s = this.seriesOf(e);
      s.value += c.count_entry_bytes && c.action === 'add' ? Buffer.byteLength(e.line) : 1;
      return;
    }
    const raw = valueToString(extractedValue(e, source));
    if (raw === undefined) return;
    if (c.value !== undefined && raw !== c.value) return;
    const num = Number(raw);
    if (this.type === 'counter') {
      if (c.action === 'inc') this.seriesOf(e).value += 1;
      else if (Number.isFinite(num) && num >= 0) this.seriesOf(e).value += num;
      return;
    }
    if (this.type === 'gauge') {
      if (c.action === 'inc') this.seriesOf(e).value += 1;
      else if (c.action === 'dec') this.seriesOf(e).value -= 1;
      else if (Number.isFinite(num)) {
        const s = this.seriesOf(e);
        if (c.action === 'set') s.value = num;
        else if (c.action === 'add') s.value += num;
        else s.value -= num;
      }
      return;
    }
    if (!Number.isFinite(num)) return;
    const s = this.seriesOf(e);
    for (let i = 0; i < this.buckets.length; i++) if (num <= this.buckets[i]) s.buckets![i]++;
    s.sum! += num;
    s.value++;
  }

  /** prom-client's collector contract. */
  async get() {
    const idle = this.cfg.max_idle_duration ?? 300_000;
    const now = Date.now();
    const values: Array<{ labels: Record<string, string | number>; value: number; metricName?: string }> = [];
    for (const [k, s] of this.series) {
      if (now - s.lastAt > idle) {
        this.series.delete(k);
        continue;
      }
      if (this.type !== 'histogram') {
        values.push({ labels: s.labels, value: s.value });
        continue;
      }
      this.buckets.forEach((b, i) => values.push({ metricName: `${this.name}_bucket`, labels: { ...s.labels, le: b }, value: s.buckets![i] }));
      values.push({ metricName: `${this.name}_bucket`, labels: { ...s.labels, le: '+Inf' }, value: s.value });
      values.push({ metricName: `${this.name}_sum`, labels: s.labels, value: s.sum! });
      values.push({ metricName: `${this.name}_count`, labels: s.labels, value: s.value });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  reset(): void {
    this.series.clear();
  }
}

/** `metrics`: counters, gauges and histograms from extracted data, exposed on the agent's `/metrics`. */
export function metricsStage(cfg: NonNullable<StageConfig['metrics']>, registry: Registry): Stage {
  const ms = Object.entries(cfg).map(([key, m]) => {
    const metric = new StageMetric(key, m);
    const existing = registry.getSingleMetric(metric.name) as unknown as StageMetric | undefined;
    if (existing) throw new Error(`metric ${metric.name} is defined twice`);
    registry.registerMetric(metric as never);
    return [metric, m.source ?? key] as const;
  });
  return {
    name: 'metrics',
    process(e, emit) {
      for (const [m, source] of ms) m.update(e, source);
      emit(e);
    },
  };
}

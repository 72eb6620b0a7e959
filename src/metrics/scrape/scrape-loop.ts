import type { Logger } from '../../server/index.js';
import { formatDuration } from '../../config/index.js';
import type { Exemplar, FloatHistogram, Labels } from '../../model/index.js';
import { METRIC_NAME, STALE_NAN, isValidLabelName, isValidMetricName, type MetricType } from '../../model/index.js';
import type { ScrapeConfig } from '../promconfig/index.js';
import { processBuilder, type CompiledRelabel } from '../relabel/index.js';
import { AppendError, type Appendable, type Appender } from '../storage-api/index.js';
import { CommentMemo, Entry, ExpositionParser, ProtobufParser, scrapeFormat } from '../textparse/index.js';
import { BucketLimitError, fitHistogram, pickSchema } from './histogram-limits.js';
import type { HttpScraper } from './http-scraper.js';
import type { ScrapeMetrics } from './metrics.js';
import { ScrapeCache, type Family } from './scrape-cache.js';
import type { Target } from './target.js';


/** A copy that does not keep the scrape body alive (slices of long strings reference their parent). */
function ownString(s: string): string {
  return s.length < 13 ? s : (JSON.parse(JSON.stringify(s)) as string);
}

const EMPTY = Buffer.alloc(0);

export class ScrapeFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScrapeFailure';
  }
}

// Read once: the parser's entry kinds as plain local numbers on the hot path.
const E_EOF: number = Entry.EOF;
const E_SERIES: number = Entry.Series;
const E_TYPE: number = Entry.Type;
const E_HELP: number = Entry.Help;
const E_UNIT: number = Entry.Unit;
const E_HISTOGRAM: number = Entry.Histogram;

const REPORT_NAMES = ['up', 'scrape_duration_seconds', 'scrape_samples_scraped', 'scrape_samples_post_metric_relabeling', 'scrape_series_added'] as const;
const FAMILY_SUFFIXES = ['_bucket', '_count', '_sum', '_total', '_created', '_info', '_gcount', '_gsum'];

export interface ScrapeLoopOptions {
  appendable: Appendable;
  cfg: ScrapeConfig;
  metricRelabel: readonly CompiledRelabel[];
  scraper: HttpScraper;
  metrics: ScrapeMetrics;
  logger?: Logger;
}

export interface ScrapeResult {
  scraped: number;
  postRelabel: number;
  added: number;
  error: string;
}

/**
 * Scrapes one target every interval: fetch, parse, label, append with one commit per scrape, staleness markers for
 * series that disappeared (or all series when the scrape fails or the loop stops), and the synthetic report series.
 */
export class ScrapeLoop {
  health: 'up' | 'down' | 'unknown' = 'unknown';
  lastError = '';
  lastScrape = 0;
  lastDurationSeconds = 0;
  /** Set by the pool (target_limit): every scrape fails with this error while set. */
  forcedError: string | undefined;

  private cache = new ScrapeCache();
  /**
   * The cache slots of the previous scrape's series (the first `prevLen`), and a spare array the next scrape fills:
   * the two are swapped after each scrape, so a scrape allocates no array of its series that would live until the
   * next one.
   */
  private prev: number[] = [];
  private prevLen = 0;
  private spare: number[] = [];
  private readonly families = new Map<string, Family>();
  /**
   * The previous text exposition's comment lines (by position) and, for each `# HELP`/`# TYPE`/`# UNIT` line among
   * them, the family it described and the value it set (the string `Family.meta` holds): a line that comes back
   * unchanged is applied from these without being decoded. Not carried over by `adoptState`, as `families` is not.
   */
  private readonly metaLines = new CommentMemo();
  private readonly metaFamily: Family[] = [];
  private readonly metaValue: string[] = [];
  private iter = 0;
  private readonly reportLabels: Labels[];
  private readonly reportRefs = [0, 0, 0, 0, 0];
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private abort: AbortController | undefined;
  private stopped = false;
  private lastStart = 0;
  private readonly intervalLabel: string;
  private readonly maxSchema: number;

  constructor(
    readonly target: Target,
    private readonly o: ScrapeLoopOptions,
  ) {
    this.reportLabels = REPORT_NAMES.map((n) => target.seriesLabels.builder().set(METRIC_NAME, n).labels());
    this.intervalLabel = formatDuration(target.intervalMs);
    this.maxSchema = pickSchema(o.cfg.native_histogram_min_bucket_factor ?? 0);
  }

  /** Carry the series cache over from a loop of the same target (config reload), so staleness continues. */
  adoptState(old: ScrapeLoop): void {
    this.cache = old.cache;
    this.prev = old.prev;
    this.prevLen = old.prevLen;
    this.iter = old.iter;
    this.health = old.health;
    this.lastError = old.lastError;
    this.lastScrape = old.lastScrape;
    this.lastDurationSeconds = old.lastDurationSeconds;
  }

  /** Start scraping at this target's offset within the interval (spreads targets over time). */
  start(): void {
    const interval = this.target.intervalMs;
    const now = Date.now();
    const offset = this.target.hash() % interval;
    let delay = (offset - (now % interval) + interval) % interval;
    if (this.lastScrape > 0 && now - this.lastScrape < interval) delay = Math.max(delay, interval - (now - this.lastScrape));
    this.schedule(now + delay);
  }

  private schedule(at: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        if (this.stopped) return;
        const run = this.scrapeAndReport().then(
          () => {},
          (e: unknown) => this.o.logger?.error({ err: (e as Error).message }, 'scrape loop error'),
        );
        this.running = run;
        void run.then(() => {
          this.running = undefined;
          let next = at + this.target.intervalMs;
          const now = Date.now();
          if (next <= now) next = at + Math.ceil((now - at) / this.target.intervalMs) * this.target.intervalMs;
          this.schedule(next);
        });
      },
      Math.max(0, at - Date.now()),
    );
  }

  /** One scrape and its report, as run by the timer. Exposed for tests and benches. */
  async scrapeAndReport(): Promise<ScrapeResult> {
    const start = Date.now();
    if (this.lastStart > 0) this.o.metrics.intervalLength.observe({ interval: this.intervalLabel }, (start - this.lastStart) / 1000);
    this.lastStart = start;
    this.iter++;
    let body: Buffer | string = EMPTY;
    let contentType: string | undefined;
    let release: (() => void) | undefined;
    let error = '';
    try {
      if (this.forcedError) throw new ScrapeFailure(this.forcedError);
      this.abort = new AbortController();
      const r = await this.o.scraper.scrape(this.target.url, this.target.timeoutMs, this.abort.signal);
      body = r.body;
      contentType = r.contentType;
      release = r.release;
    } catch (e) {
      error = (e as Error).message;
      if (error === 'body size limit exceeded') this.o.metrics.exceededBodySizeLimit.inc();
    } finally {
      this.abort = undefined;
    }
    // Stopped while the request was in flight (shutdown or target removed): nothing to record for it.
    if (this.stopped) {
      release?.();
      return { scraped: 0, postRelabel: 0, added: 0, error: 'scrape loop stopped' };
    }
    let app: Appender = this.o.appendable.appender();
    let res: ScrapeResult = { scraped: 0, postRelabel: 0, added: 0, error };
    if (error === '') {
      try {
        res = this.append(app, body, contentType, start);
      } catch (e) {
        error = (e as Error).message;
        res = { scraped: 0, postRelabel: 0, added: 0, error };
        app.rollback();
        app = this.o.appendable.appender();
      }
    }
    // The body's bytes are read only by `append` (what the cache keeps is copied or decoded): the pooled buffer can go.
    release?.();
    if (error !== '') {
      // A failed scrape is an empty one: every series of the previous scrape goes stale.
      this.staleAll(app, start);
      res.error = error;
    }
    const duration = (Date.now() - start) / 1000;
    this.report(app, start, duration, res);
    try {
      await app.commit();
    } catch (e) {
      this.o.logger?.error({ err: (e as Error).message, target: this.target.url.href }, 'scrape commit failed');
      if (error === '') error = (e as Error).message;
    }
    this.health = error === '' ? 'up' : 'down';
    this.lastError = error;
    this.lastScrape = start;
    this.lastDurationSeconds = duration;
    if (error !== '') this.o.logger?.debug({ target: this.target.url.href, err: error }, 'scrape failed');
    return { ...res, error };
  }

  private countAppendError(e: unknown): void {
    if (!(e instanceof AppendError)) throw e;
    const m = this.o.metrics;
    switch (e.kind) {
      case 'out_of_order':
        m.sampleOutOfOrder.inc();
        break;
      case 'duplicate_sample':
        m.sampleDuplicate.inc();
        break;
      case 'out_of_bounds':
        m.sampleOutOfBounds.inc();
        break;
      case 'too_old':
        m.sampleTooOld.inc();
        break;
      case 'invalid_labels':
        break;
    }
  }

  /** Parse `body` and append its samples; throws (leaving the appender to be rolled back) when the scrape must fail. */
  private append(app: Appender, body: Buffer | string, contentType: string | undefined, ts: number): ScrapeResult {
    const cfg = this.o.cfg;
    const format = scrapeFormat(contentType, cfg.fallback_scrape_protocol);
    const om = format === 'openmetrics';
    const proto = format === 'protobuf';
    const p = proto
      ? new ProtobufParser(typeof body === 'string' ? Buffer.from(body, 'utf8') : body, { classicHistograms: cfg.scrape_classic_histograms === true || cfg.always_scrape_classic_histograms === true, nativeHistograms: cfg.scrape_native_histograms === true })
      : new ExpositionParser(body, om, this.metaLines);
    // Text: a series is looked up by its bytes in the body (hashed while parsed), no string per sample.
    const tp = proto ? undefined : (p as ExpositionParser);
    const bucketLimit = cfg.native_histogram_bucket_limit ?? 0;
    const iter = this.iter;
    const honorTs = cfg.honor_timestamps;
    const trackTsStaleness = cfg.track_timestamps_staleness;
    const sampleLimit = cfg.sample_limit;
    const cur = this.spare;
    let curLen = 0;
    let scraped = 0;
    let post = 0;
    let added = 0;
    const cache = this.cache;
    // Text: the series that came after the previous one last time is expected next (its key compared, not scanned).
    let prevSlot = -1;
    let expected = tp !== undefined ? this.expectAfter(tp, -1) : -1;
    for (let e: number = p.next(); e !== E_EOF; e = p.next()) {
      if (e !== E_SERIES && e !== E_HISTOGRAM) {
        if (e === E_TYPE || e === E_HELP || e === E_UNIT) this.metaLine(p, e);
        continue;
      }
      scraped++;
      let slot = tp !== undefined ? (tp.matchedExpected ? expected : cache.find(tp.buf, tp.keyStart, tp.keyEnd, tp.keyHash)) : cache.get(p.seriesKey);
      let isNew = false;
      if (slot < 0) {
        const labels = this.sampleLabels(p.labels());
        const family = this.familyOf(p.metricName());
        slot = tp !== undefined ? cache.insert(tp.buf, tp.keyStart, tp.keyEnd, tp.keyHash, labels, family) : cache.add(p.seriesKey, labels, family);
        isNew = true;
      }
      if (tp !== undefined) {
        cache.setFollowing(prevSlot, slot);
        prevSlot = slot;
        expected = this.expectAfter(tp, slot);
      }
      const labels = cache.labels[slot];
      if (labels === null) {
        cache.seen[slot] = iter;
        continue;
      }
      const explicitTs = honorTs && p.timestamp === p.timestamp;
      const t = explicitTs ? p.timestamp : ts;
      post++;
      if (sampleLimit > 0 && post > sampleLimit) {
        this.o.metrics.exceededSampleLimit.inc();
        throw new ScrapeFailure('sample limit exceeded');
      }
      let appended = true;
      try {
        if (e === E_HISTOGRAM) cache.refs[slot] = this.appendHistogram(app, cache.refs[slot], labels, t, (p as ProtobufParser).histogram!, bucketLimit);
        else cache.refs[slot] = app.append(cache.refs[slot], labels, t, p.value);
      } catch (err) {
        if (err instanceof ScrapeFailure) throw err;
        this.countAppendError(err);
        appended = false;
      }
      if (appended) {
        if (isNew) added++;
        if (cache.seen[slot] !== iter && (!explicitTs || trackTsStaleness)) cur[curLen++] = slot;
        if (om) {
          const ex = p.exemplar();
          if (ex) this.appendExemplar(app, cache.refs[slot], labels, ex);
        } else if (proto) {
          // A protobuf exemplar without a timestamp is the sample's (Prometheus's scrape loop).
          for (const ex of (p as ProtobufParser).exemplars()) this.appendExemplar(app, cache.refs[slot], labels, ex.ts === ex.ts ? ex : { ...ex, ts: t });
        }
      }
      cache.seen[slot] = iter;
      let family = cache.family[slot];
      if (family === undefined) family = cache.family[slot] = this.familyOf(p.metricName());
      if (family !== undefined && family.version !== cache.familyVersion[slot]) {
        cache.familyVersion[slot] = family.version;
        try {
          cache.refs[slot] = app.updateMetadata(cache.refs[slot], labels, family.meta);
        } catch {
          // metadata refused: not fatal
        }
      }
    }
    // Series of the previous scrape that are gone get a staleness marker.
    const prev = this.prev;
    for (let k = 0; k < this.prevLen; k++) {
      const old = prev[k];
      const oldLabels = cache.labels[old];
      if (cache.seen[old] !== iter && oldLabels !== null) {
        try {
          app.append(cache.refs[old], oldLabels, ts, STALE_NAN);
        } catch {
          // the series got a newer sample from an explicit timestamp: nothing to mark
        }
      }
    }
    if (cur.length > curLen) cur.length = curLen;
    this.spare = prev;
    this.prev = cur;
    this.prevLen = curLen;
    if (cache.size > curLen * 2 + 64 || iter % 16 === 0) cache.sweep(iter);
    return { scraped, postRelabel: post, added, error: '' };
  }

  private appendExemplar(app: Appender, ref: number, labels: Labels, ex: Exemplar): void {
    try {
      app.appendExemplar(ref, labels, ex);
    } catch {
      // exemplar refused: not fatal
    }
  }

  /** A native histogram within the job's schema and bucket limits; a histogram that cannot fit fails the scrape. */
  private appendHistogram(app: Appender, ref: number, labels: Labels, t: number, h: FloatHistogram, bucketLimit: number): number {
    let fitted: FloatHistogram;
    try {
      fitted = fitHistogram(h, this.maxSchema, bucketLimit);
    } catch (e) {
      if (!(e instanceof BucketLimitError)) throw e;
      this.o.metrics.exceededBucketLimit.inc();
      throw new ScrapeFailure(e.message);
    }
    if (!app.appendHistogram) throw new AppendError('invalid_labels', 'native histograms are not supported by this storage');
    return app.appendHistogram(ref, labels, t, fitted);
  }

  /** Tells the parser the key of the series that followed slot `after` (-1: the first) last time; that slot or -1. */
  private expectAfter(tp: ExpositionParser, after: number): number {
    const cache = this.cache;
    const s = cache.following(after);
    if (s >= 0) tp.expectKey(cache.keyArena(), cache.keyOffset(s), cache.keyLength(s), cache.keyHashOf(s));
    return s;
  }

  /**
   * A `# HELP`, `# TYPE` or `# UNIT` entry: its value set on its family. A line repeated from the previous text
   * exposition (`p.repeated`, text only) applies the family and value recorded for its position then.
   */
  private metaLine(p: ExpositionParser | ProtobufParser, e: number): void {
    const field = e === E_TYPE ? 'type' : e === E_HELP ? 'help' : 'unit';
    if (p instanceof ExpositionParser) {
      const k = p.commentIndex;
      if (p.repeated) {
        this.updateMeta(this.metaFamily[k], field, this.metaValue[k]);
        return;
      }
      const f = this.setMeta(p.family, field, e === E_TYPE ? p.metricType : e === E_HELP ? p.help : p.unit);
      this.metaFamily[k] = f;
      this.metaValue[k] = f.meta[field];
      return;
    }
    this.setMeta(p.family, field, e === E_TYPE ? p.metricType : e === E_HELP ? p.help : p.unit);
  }

  private setMeta(family: string, field: 'type' | 'help' | 'unit', value: string): Family {
    let f = this.families.get(family);
    if (!f) {
      f = { meta: { type: 'unknown', help: '', unit: '' }, version: 0 };
      this.families.set(ownString(family), f);
    }
    this.updateMeta(f, field, value);
    return f;
  }

  private updateMeta(f: Family, field: 'type' | 'help' | 'unit', value: string): void {
    if (f.meta[field] !== value) {
      f.meta = { ...f.meta, [field]: field === 'type' ? (value as MetricType) : ownString(value) };
      f.version++;
    }
  }

  private familyOf(name: string): Family | undefined {
    const f = this.families.get(name);
    if (f) return f;
    for (const s of FAMILY_SUFFIXES) {
      if (name.endsWith(s)) {
        const g = this.families.get(name.slice(0, -s.length));
        if (g) return g;
      }
    }
    return undefined;
  }

  /** Attach target labels (honor_labels or `exported_` on conflict), apply metric_relabel_configs and the label limits. */
  private sampleLabels(scraped: Labels): Labels | null {
    const cfg = this.o.cfg;
    const lb = scraped.builder();
    const tl = this.target.seriesLabels;
    if (cfg.honor_labels) {
      tl.forEach((n, v) => {
        if (!scraped.has(n)) lb.set(n, v);
      });
    } else {
      const conflicts: [string, string][] = [];
      tl.forEach((n, v) => {
        const existing = scraped.get(n);
        if (existing !== '') conflicts.push([n, existing]);
        lb.set(n, v);
      });
      for (const [n, v] of conflicts) {
        let name = `exported_${n}`;
        while (lb.get(name) !== '') name = `exported_${name}`;
        lb.set(name, v);
      }
    }
    if (this.o.metricRelabel.length > 0 && !processBuilder(lb, this.o.metricRelabel)) return null;
    const lset = lb.labels();
    if (lset.size === 0) return null;
    const metric = lset.get(METRIC_NAME);
    if (metric === '') throw new ScrapeFailure('missing metric name (__name__ label)');
    let valid = isValidMetricName(metric);
    lset.forEach((n) => {
      if (!isValidLabelName(n) && n !== METRIC_NAME) valid = false;
    });
    if (!valid) throw new ScrapeFailure(`invalid metric name or label names: ${lset.toString()}`);
    this.checkLabelLimits(lset, metric);
    return lset;
  }

  private checkLabelLimits(lset: Labels, metric: string): void {
    const cfg = this.o.cfg;
    const fail = (msg: string): never => {
      this.o.metrics.exceededLabelLimits.inc();
      throw new ScrapeFailure(msg);
    };
    const m50 = metric.slice(0, 50);
    if (cfg.label_limit > 0 && lset.size > cfg.label_limit) fail(`label_limit exceeded (metric: ${m50}, number of labels: ${lset.size}, limit: ${cfg.label_limit})`);
    if (cfg.label_name_length_limit === 0 && cfg.label_value_length_limit === 0) return;
    lset.forEach((n, v) => {
      if (cfg.label_name_length_limit > 0 && n.length > cfg.label_name_length_limit) {
        fail(`label_name_length_limit exceeded (metric: ${m50}, label name: ${n.slice(0, 50)}, length: ${n.length}, limit: ${cfg.label_name_length_limit})`);
      }
      if (cfg.label_value_length_limit > 0 && v.length > cfg.label_value_length_limit) {
        fail(`label_value_length_limit exceeded (metric: ${m50}, label name: ${n.slice(0, 50)}, value: ${JSON.stringify(v.slice(0, 50))}, length: ${v.length}, limit: ${cfg.label_value_length_limit})`);
      }
    });
  }

  private staleAll(app: Appender, ts: number): void {
    const prev = this.prev;
    const cache = this.cache;
    for (let k = 0; k < this.prevLen; k++) {
      const old = prev[k];
      const labels = cache.labels[old];
      if (labels === null) continue;
      try {
        app.append(cache.refs[old], labels, ts, STALE_NAN);
      } catch {
        // already superseded
      }
    }
    this.prevLen = 0;
  }

  private report(app: Appender, ts: number, durationSeconds: number, r: ScrapeResult): void {
    const up = r.error === '' ? 1 : 0;
    const values = [up, durationSeconds, r.scraped, r.postRelabel, r.added];
    for (let i = 0; i < values.length; i++) {
      try {
        this.reportRefs[i] = app.append(this.reportRefs[i], this.reportLabels[i], ts, values[i]);
      } catch (e) {
        this.countAppendError(e);
      }
    }
  }

  /** Stop scraping; with `stale`, mark every series of the last scrape and the report series stale. */
  async stop(stale: boolean): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.abort?.abort();
    if (this.running) await this.running.catch(() => {});
    if (!stale || this.lastScrape === 0) return;
    const ts = Math.max(Date.now(), this.lastScrape + 1);
    const app = this.o.appendable.appender();
    this.staleAll(app, ts);
    for (let i = 0; i < this.reportLabels.length; i++) {
      try {
        app.append(this.reportRefs[i], this.reportLabels[i], ts, STALE_NAN);
      } catch {
        // ignore
      }
    }
    try {
      await app.commit();
    } catch (e) {
      this.o.logger?.error({ err: (e as Error).message }, 'committing end-of-run staleness markers failed');
    }
  }
}

import { CUSTOM_BUCKETS_SCHEMA, FloatHistogram, Labels, METRIC_NAME, type Exemplar, type MetricType } from '../../model/index.js';
import { WIRE_LEN, WireReader } from '../../lib/protobuf/index.js';
import { Entry } from './parser.js';

/**
 * The Prometheus protobuf exposition format (`application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily;
 * encoding=delimited`): a stream of varint-length-prefixed `MetricFamily` messages (client_model metrics.proto), read
 * with the shared wire reader and presented as the text parser presents its entries (Prometheus's `ProtobufParser`):
 * Help, Type, Unit, then the family's series. Counters, gauges and untyped metrics are one series each; a summary is
 * `_count`, `_sum` and one series per quantile; a histogram with native buckets (a zero threshold, a zero count or
 * spans) is one `Entry.Histogram` with `histogram` set, and otherwise (or also, with `classicHistograms`) its classic
 * `_count`, `_sum` and cumulative `_bucket{le}` series, `le="+Inf"` added when the exposition lacks it.
 *
 * Bounded: every length is checked against its message, a native histogram's spans must cover exactly its bucket
 * values and stay within the index range a float64 can reach at its schema, so a few hostile bytes cannot make the
 * parser allocate more than a bounded multiple of the body.
 */
export class ProtobufParseError extends Error {
  override name = 'ProtobufParseError';
}

const TYPES: MetricType[] = ['counter', 'gauge', 'summary', 'unknown', 'histogram', 'gaugehistogram'];
const T_COUNTER = 0;
const T_SUMMARY = 2;
const T_HISTOGRAM = 4;
const T_GAUGE_HISTOGRAM = 5;

/** Largest |bucket index| a float64 can need at schema s: 2^s per power of two, 1024 + 52 + 1 powers of two. */
const maxIndex = (schema: number) => Math.ceil(1077 * 2 ** schema);

interface Series {
  /** Series identity for the scrape cache: name and label pairs as exposed, NUL-separated. */
  key: string;
  name: string;
  /** Label name/value pairs as exposed (unsorted), without `__name__`; shared by a metric's series. */
  pairs: string[];
  /** The `le` or `quantile` label of a bucket or quantile series ('' for none). */
  extraName: string;
  extraValue: string;
  value: number;
  timestamp: number;
  histogram: FloatHistogram | undefined;
  exemplars: readonly Exemplar[];
}

const NO_EXEMPLARS: readonly Exemplar[] = [];

interface RawBucket {
  upper: number;
  count: number;
  exemplar: Exemplar | undefined;
}

interface RawHistogram {
  count: number;
  countFloat: number;
  sum: number;
  buckets: RawBucket[];
  schema: number;
  zeroThreshold: number;
  zeroCount: number;
  zeroCountFloat: number;
  spans: [number, number][][];
  deltas: number[][];
  counts: number[][];
  exemplars: Exemplar[];
}

export interface ProtobufParserOptions {
  /** Also the classic series of a histogram that has native buckets (`scrape_classic_histograms`). */
  classicHistograms?: boolean;
  /** Native histograms as such; false reads every histogram as classic (native-only ones yield `_count`/`_sum`). */
  nativeHistograms?: boolean;
}

const makeError = (what: string, pos: number) => new ProtobufParseError(`protobuf exposition: ${what} at byte ${pos}`);

export class ProtobufParser {
  private readonly r: WireReader;
  private queue: Series[] = [];
  private qi = 0;
  private pendingMeta: Entry[] = [];
  private cur: Series | undefined;

  family = '';
  metricType: MetricType = 'unknown';
  help = '';
  unit = '';
  seriesKey = '';
  value = 0;
  /** Milliseconds; NaN when the metric had no timestamp. */
  timestamp = NaN;
  histogram: FloatHistogram | undefined;
  readonly openMetrics = false;

  constructor(
    body: Uint8Array,
    private readonly opts: ProtobufParserOptions = {},
  ) {
    this.r = WireReader.of(body, makeError);
  }

  next(): Entry {
    for (;;) {
      if (this.pendingMeta.length > 0) return this.pendingMeta.shift()!;
      if (this.qi < this.queue.length) {
        const s = this.queue[this.qi++];
        this.cur = s;
        this.seriesKey = s.key;
        this.value = s.value;
        this.timestamp = s.timestamp;
        this.histogram = s.histogram;
        return s.histogram ? Entry.Histogram : Entry.Series;
      }
      this.cur = undefined;
      if (this.r.done()) return Entry.EOF;
      this.readFamily();
    }
  }

  metricName(): string {
    return this.cur?.name ?? '';
  }

  ownSeriesKey(): string {
    return this.seriesKey;
  }

  /** The labels of the current series, `__name__` included; a label name twice fails as in Prometheus. */
  labels(): Labels {
    const s = this.cur!;
    const seen = new Set<string>([METRIC_NAME]);
    const pairs: [string, string][] = [[METRIC_NAME, s.name]];
    const add = (n: string, v: string) => {
      if (seen.has(n)) throw new ProtobufParseError(`label name ${JSON.stringify(n)} is not unique: invalid sample`);
      seen.add(n);
      pairs.push([n, v]);
    };
    for (let i = 0; i < s.pairs.length; i += 2) add(s.pairs[i], s.pairs[i + 1]);
    if (s.extraName !== '') add(s.extraName, s.extraValue);
    return Labels.fromPairs(pairs);
  }

  /** The exemplars of the current series (counters, classic buckets, native histograms). */
  exemplars(): readonly Exemplar[] {
    return this.cur?.exemplars ?? NO_EXEMPLARS;
  }

  exemplar(): Exemplar | undefined {
    return this.cur?.exemplars[0];
  }

  private readFamily(): void {
    const r = this.r;
    const end = r.lengthEnd();
    let name = '';
    let help = '';
    let unit = '';
    let type = 3;
    const metrics: [number, number][] = [];
    while (r.pos < end) {
      const tag = r.uint32(end);
      switch (tag) {
        case (1 << 3) | WIRE_LEN:
          name = r.string(end);
          break;
        case (2 << 3) | WIRE_LEN:
          help = r.string(end);
          break;
        case 3 << 3:
          type = r.uint32(end);
          break;
        case (4 << 3) | WIRE_LEN:
          metrics.push(r.delimited(end));
          break;
        case (5 << 3) | WIRE_LEN:
          unit = r.string(end);
          break;
        default:
          this.skip(tag, end);
      }
    }
    if (name === '') r.fail('metric family without a name');
    if (type > T_GAUGE_HISTOGRAM) r.fail(`unknown metric type ${type}`);
    this.family = name;
    this.help = help;
    this.unit = unit;
    this.metricType = TYPES[type];
    this.pendingMeta = help !== '' ? [Entry.Help, Entry.Type] : [Entry.Type];
    if (unit !== '') this.pendingMeta.push(Entry.Unit);
    this.queue = [];
    this.qi = 0;
    for (const [s, e] of metrics) this.readMetric(name, type, s, e);
    r.pos = end;
  }

  private skip(tag: number, end: number): void {
    if (tag >>> 3 === 0) this.r.fail('field number 0');
    this.r.skip(tag & 7, end);
  }

  private readMetric(name: string, type: number, start: number, end: number): void {
    const r = this.r;
    r.pos = start;
    const pairs: string[] = [];
    let value = 0;
    let ts = NaN;
    let exemplar: Exemplar | undefined;
    let summary: [number, number] | undefined;
    let hist: [number, number] | undefined;
    while (r.pos < end) {
      const tag = r.uint32(end);
      const field = tag >>> 3;
      if (field === 1 && (tag & 7) === WIRE_LEN) {
        const [ls, le] = r.delimited(end);
        const after = r.pos;
        r.pos = ls;
        this.readLabelPair(le, pairs);
        r.pos = after;
      } else if ((field === 2 || field === 3 || field === 5) && (tag & 7) === WIRE_LEN) {
        // gauge, counter, untyped: { value = 1 }; a counter's exemplar = 2
        const e = r.lengthEnd(end);
        while (r.pos < e) {
          const t = r.uint32(e);
          if (t === ((1 << 3) | 1)) value = r.double(e);
          else if (field === 3 && t === ((2 << 3) | WIRE_LEN)) exemplar = this.readExemplar(r.lengthEnd(e));
          else this.skip(t, e);
        }
      } else if (field === 4 && (tag & 7) === WIRE_LEN) summary = r.delimited(end);
      else if (field === 7 && (tag & 7) === WIRE_LEN) hist = r.delimited(end);
      else if (field === 6 && (tag & 7) === 0) {
        const v = r.int64(end);
        // Go's GetTimestampMs: an absent and a zero timestamp are the same.
        ts = v === 0 ? NaN : v;
      } else this.skip(tag, end);
    }
    let baseKey = '';
    for (let i = 0; i < pairs.length; i++) baseKey += `\u0000${pairs[i]}`;
    this.mPairs = pairs;
    this.mKey = baseKey;
    this.mTs = ts;
    const push = this.pushBound;
    if (type === T_SUMMARY) {
      const q = summary ? this.readSummary(summary) : { count: 0, sum: 0, quantiles: [] };
      push(`${name}_count`, '', '', q.count);
      push(`${name}_sum`, '', '', q.sum);
      for (const [qq, v] of q.quantiles) push(name, 'quantile', formatOpenMetricsFloat(qq), v);
      return;
    }
    if (type === T_HISTOGRAM || type === T_GAUGE_HISTOGRAM) {
      const h = this.readHistogram(hist ?? [end, end]);
      const native = this.opts.nativeHistograms !== false && isNative(h);
      if (native) push(name, '', '', 0, this.nativeHistogram(h, type === T_GAUGE_HISTOGRAM), h.exemplars.length > 0 ? h.exemplars : h.buckets.flatMap((b) => (b.exemplar ? [b.exemplar] : [])));
      if (native && !(this.opts.classicHistograms && h.buckets.length > 0)) return;
      const count = h.countFloat > 0 ? h.countFloat : h.count;
      push(`${name}_count`, '', '', count);
      push(`${name}_sum`, '', '', h.sum);
      let sawInf = false;
      for (const b of h.buckets) {
        if (b.upper === Infinity) sawInf = true;
        push(`${name}_bucket`, 'le', formatOpenMetricsFloat(b.upper), b.count, undefined, b.exemplar ? [b.exemplar] : NO_EXEMPLARS);
        if (sawInf) break;
      }
      if (!sawInf && h.buckets.length > 0) push(`${name}_bucket`, 'le', '+Inf', count);
      return;
    }
    push(name, '', '', value, undefined, exemplar && type === T_COUNTER ? [exemplar] : NO_EXEMPLARS);
  }

  // The metric being read (no closure per metric: they cost more than the series they push).
  private mPairs: string[] = [];
  private mKey = '';
  private mTs = NaN;
  private readonly pushBound = (n: string, extraName: string, extraValue: string, v: number, h?: FloatHistogram, ex: readonly Exemplar[] = NO_EXEMPLARS): void => {
    const key = extraName === '' ? n + this.mKey : `${n}${this.mKey}\u0000${extraName}\u0000${extraValue}`;
    this.queue.push({ key: h ? `${key}\u0001` : key, name: n, pairs: this.mPairs, extraName, extraValue, value: v, timestamp: this.mTs, histogram: h, exemplars: ex });
  };

  private readLabelPair(end: number, out: string[]): void {
    const r = this.r;
    let n = '';
    let v = '';
    while (r.pos < end) {
      const t = r.uint32(end);
      if (t === ((1 << 3) | WIRE_LEN)) n = r.string(end);
      else if (t === ((2 << 3) | WIRE_LEN)) v = r.string(end);
      else this.skip(t, end);
    }
    out.push(n, v);
  }

  private readExemplar(end: number): Exemplar {
    const r = this.r;
    const pairs: [string, string][] = [];
    let value = 0;
    let ts = NaN;
    while (r.pos < end) {
      const t = r.uint32(end);
      if (t === ((1 << 3) | WIRE_LEN)) {
        const flat: string[] = [];
        this.readLabelPair(r.lengthEnd(end), flat);
        pairs.push([flat[0], flat[1]]);
      } else if (t === ((2 << 3) | 1)) value = r.double(end);
      else if (t === ((3 << 3) | WIRE_LEN)) {
        // google.protobuf.Timestamp { int64 seconds = 1; int32 nanos = 2; }
        const [sec, nanos] = this.twoFields(r.lengthEnd(end), 0, (e) => r.int64(e));
        ts = sec * 1000 + Math.floor(nanos / 1e6);
      } else this.skip(t, end);
    }
    return { labels: Labels.fromPairs(pairs), value, ts };
  }

  private readSummary([start, end]: [number, number]): { count: number; sum: number; quantiles: [number, number][] } {
    const r = this.r;
    r.pos = start;
    let count = 0;
    let sum = 0;
    const quantiles: [number, number][] = [];
    while (r.pos < end) {
      const t = r.uint32(end);
      if (t === 1 << 3) count = r.int64(end, false);
      else if (t === ((2 << 3) | 1)) sum = r.double(end);
      else if (t === ((3 << 3) | WIRE_LEN)) quantiles.push(this.twoFields(r.lengthEnd(end), 1, (e) => r.double(e)));
      else this.skip(t, end);
    }
    return { count, sum, quantiles };
  }

  private readHistogram([start, end]: [number, number]): RawHistogram {
    const r = this.r;
    r.pos = start;
    const h: RawHistogram = { count: 0, countFloat: 0, sum: 0, buckets: [], schema: 0, zeroThreshold: 0, zeroCount: 0, zeroCountFloat: 0, spans: [[], []], deltas: [[], []], counts: [[], []], exemplars: [] };
    while (r.pos < end) {
      const tag = r.uint32(end);
      const field = tag >>> 3;
      const wt = tag & 7;
      switch (field) {
        case 1:
          h.count = this.varint(wt, end);
          break;
        case 2:
          h.sum = this.dbl(wt, end);
          break;
        case 3:
          if (wt !== WIRE_LEN) r.fail('bucket is not a message');
          h.buckets.push(this.readBucket(r.lengthEnd(end)));
          break;
        case 4:
          h.countFloat = this.dbl(wt, end);
          break;
        case 5: {
          if (wt !== 0) r.fail('schema is not a varint');
          h.schema = r.sint64(end);
          break;
        }
        case 6:
          h.zeroThreshold = this.dbl(wt, end);
          break;
        case 7:
          h.zeroCount = this.varint(wt, end);
          break;
        case 8:
          h.zeroCountFloat = this.dbl(wt, end);
          break;
        case 9:
        case 12:
          if (wt !== WIRE_LEN) r.fail('span is not a message');
          h.spans[field === 9 ? 0 : 1].push(this.readSpan(r.lengthEnd(end)));
          break;
        case 10:
        case 13:
          this.repeated(wt, end, h.deltas[field === 10 ? 0 : 1], false);
          break;
        case 11:
        case 14:
          this.repeated(wt, end, h.counts[field === 11 ? 0 : 1], true);
          break;
        case 16:
          if (wt !== WIRE_LEN) r.fail('exemplar is not a message');
          h.exemplars.push(this.readExemplar(r.lengthEnd(end)));
          break;
        default:
          this.skip(tag, end);
      }
    }
    return h;
  }

  private varint(wt: number, end: number): number {
    if (wt !== 0) this.r.fail('expected a varint');
    return this.r.int64(end, false);
  }

  private dbl(wt: number, end: number): number {
    if (wt !== 1) this.r.fail('expected a double');
    return this.r.double(end);
  }

  private repeated(wt: number, end: number, out: number[], doubles: boolean): void {
    const r = this.r;
    const one = () => (doubles ? r.double(end) : r.sint64(end));
    if (wt === WIRE_LEN) {
      const e = r.lengthEnd(end);
      while (r.pos < e) out.push(doubles ? r.double(e) : r.sint64(e));
    } else if (wt === (doubles ? 1 : 0)) out.push(one());
    else r.fail('bad wire type for a repeated field');
  }

  private readBucket(end: number): RawBucket {
    const r = this.r;
    const b: RawBucket = { upper: 0, count: 0, exemplar: undefined };
    let countFloat = 0;
    while (r.pos < end) {
      const t = r.uint32(end);
      if (t === 1 << 3) b.count = r.int64(end, false);
      else if (t === ((2 << 3) | 1)) b.upper = r.double(end);
      else if (t === ((4 << 3) | 1)) countFloat = r.double(end);
      else if (t === ((3 << 3) | WIRE_LEN)) b.exemplar = this.readExemplar(r.lengthEnd(end));
      else this.skip(t, end);
    }
    if (countFloat > 0) b.count = countFloat;
    return b;
  }

  /** BucketSpan { sint32 offset = 1; uint32 length = 2; } */
  private readSpan(end: number): [number, number] {
    const r = this.r;
    return this.twoFields(end, 0, (e) => r.sint64(e), (e) => r.uint32(e));
  }

  /** A message of two numeric fields 1 and 2 of wire type `wt` (Timestamp, Quantile, BucketSpan). */
  private twoFields(end: number, wt: number, first: (end: number) => number, second = first): [number, number] {
    const r = this.r;
    const out: [number, number] = [0, 0];
    while (r.pos < end) {
      const t = r.uint32(end);
      if (t === ((1 << 3) | wt)) out[0] = first(end);
      else if (t === ((2 << 3) | wt)) out[1] = second(end);
      else this.skip(t, end);
    }
    return out;
  }

  /** The dense FloatHistogram of a native histogram; integer deltas are summed into absolute counts. */
  private nativeHistogram(raw: RawHistogram, gauge: boolean): FloatHistogram {
    const isFloat = raw.countFloat > 0 || raw.zeroCountFloat > 0 || raw.counts[0].length > 0 || raw.counts[1].length > 0;
    const custom = raw.schema === CUSTOM_BUCKETS_SCHEMA;
    if (!custom && (raw.schema < -4 || raw.schema > 8)) throw new ProtobufParseError(`invalid native histogram schema ${raw.schema}`);
    const h = new FloatHistogram();
    h.schema = raw.schema;
    h.zeroThreshold = raw.zeroThreshold;
    h.zeroCount = isFloat ? raw.zeroCountFloat : raw.zeroCount;
    h.count = isFloat ? raw.countFloat : raw.count;
    h.sum = raw.sum;
    h.hint = gauge ? 'gauge' : 'unknown';
    const limit = custom ? 1 << 16 : maxIndex(raw.schema);
    for (const side of [0, 1]) {
      let values = raw.counts[side];
      if (!isFloat) {
        let acc = 0;
        values = raw.deltas[side].map((d) => (acc += d));
      }
      const [off, dense] = denseOf(raw.spans[side], values, limit);
      if (side === 0) [h.nOff, h.neg] = [off, dense];
      else [h.pOff, h.pos] = [off, dense];
    }
    if (custom) {
      if (h.neg.length > 0) throw new ProtobufParseError('custom-bucket histogram with negative buckets');
      h.customValues = raw.buckets.map((b) => b.upper).filter((u) => u !== Infinity);
      if (h.pOff > 0) h.pos = new Array<number>(h.pOff).fill(0).concat(h.pos);
      h.pOff = 0;
    }
    return h;
  }
}

/** Whether a histogram message carries native buckets (Prometheus's `isNativeHistogram`). */
function isNative(h: RawHistogram): boolean {
  return h.zeroThreshold > 0 || h.zeroCount > 0 || h.zeroCountFloat > 0 || h.spans[0].length > 0 || h.spans[1].length > 0 || h.schema === CUSTOM_BUCKETS_SCHEMA;
}

/** Spans + values → [first index, dense counts]; the spans must cover exactly the values, within ±limit. */
function denseOf(spans: readonly [number, number][], values: readonly number[], limit: number): [number, number[]] {
  let total = 0;
  for (const [, len] of spans) total += len;
  if (total !== values.length) throw new ProtobufParseError(`histogram spans need ${total} buckets, have ${values.length} buckets`);
  if (total === 0) return [0, []];
  let at = 0;
  let first = 0;
  let last = 0;
  let started = false;
  for (const [offset, len] of spans) {
    at += offset;
    if (len === 0) continue;
    if (!started) first = at;
    started = true;
    at += len;
    last = at - 1;
    if (Math.abs(first) > limit || Math.abs(last) > limit) throw new ProtobufParseError(`histogram bucket index ${Math.abs(first) > limit ? first : last} out of range for its schema`);
  }
  if (last < first) throw new ProtobufParseError('histogram spans overlap');
  const dense = new Array<number>(last - first + 1).fill(0);
  at = 0;
  let k = 0;
  for (const [offset, len] of spans) {
    at += offset;
    for (let j = 0; j < len; j++, at++) {
      if (at < first || at > last) throw new ProtobufParseError('histogram spans overlap');
      dense[at - first] = values[k++];
    }
  }
  return [first, dense];
}

const formatted = new Map<number, string>();

/** Prometheus's formatOpenMetricsFloat (Go's %g with `.0` on integers): the `le` and `quantile` label values. */
export function formatOpenMetricsFloat(v: number): string {
  if (v !== v) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  // Bucket bounds repeat scrape after scrape: remembered (a bounded number of them).
  let f = formatted.get(v);
  if (f === undefined) {
    const s = goFloatG(v);
    f = /[e.]/.test(s) ? s : `${s}.0`;
    if (formatted.size >= 4096) formatted.clear();
    formatted.set(v, f);
  }
  return f;
}

/** Go's strconv.FormatFloat(v, 'g', -1, 64): shortest digits, exponent form when the decimal exponent is < -4 or >= 6 (the
 * precision Go uses for that decision when printing the shortest digits). */
function goFloatG(v: number): string {
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const [m, e] = v.toExponential().split('e');
  const exp = Number(e);
  if (exp < -4 || exp >= 6) return `${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  return String(v);
}

import { CUSTOM_BUCKETS_SCHEMA, FloatHistogram, METRIC_NAME, isStaleNaN, type Labels } from '../../../model/index.js';
import { MemoryStorage, type Appendable, type Queryable } from '../../storage-api/index.js';
import { Engine, type EngineOptions } from '../engine.js';
import { PromqlError, type PromqlEngine, type QueryResult } from '../types.js';
import { hasExplicitHint, parseScript, type EvalCommand, type ExpectMatch, type LoadCommand, type SeqValue } from './script.js';

/** The outcome of one `eval` command of a script. */
export interface CaseResult {
  line: number;
  expr: string;
  passed: boolean;
  native: boolean;
  error?: string;
}

const EPSILON = 0.000001;
const MIN_NORMAL = 2.2250738585072014e-308;

/** Prometheus's `almost.Equal`, as the test framework compares values. */
export function almostEqual(a: number, b: number, eps = EPSILON): boolean {
  if (a !== a && b !== b) return true;
  if (a === b) return true;
  const absSum = Math.abs(a) + Math.abs(b);
  const diff = Math.abs(a - b);
  if (a === 0 || b === 0 || absSum < MIN_NORMAL) return diff < eps * MIN_NORMAL;
  return diff / Math.min(absSum, Number.MAX_VALUE) < eps;
}

/** A store the runner loads scripts into; `clear` empties it (the script's `clear` command). */
export interface ScriptStorage extends Queryable, Appendable {
  clear(): void | Promise<void>;
}

/**
 * Run a promqltest script on a fresh storage (in-memory unless `storage` is given, e.g. TSDB-backed); returns one
 * result per `eval`. `makeEngine` evaluates elsewhere than on this thread's `Engine` (the query pool's workers).
 */
export async function runScript(
  text: string,
  opts: EngineOptions = {},
  storage: ScriptStorage = new MemoryStorage(),
  makeEngine: (storage: Queryable, opts: EngineOptions) => PromqlEngine = (s, o) => new Engine(s, o),
): Promise<CaseResult[]> {
  const cmds = parseScript(text);
  const engine = makeEngine(storage, { lookbackDelta: 300_000, experimentalFunctions: true, ...opts });
  const results: CaseResult[] = [];
  let nativeLoaded = false;
  for (const c of cmds) {
    if (c.kind === 'clear') {
      await storage.clear();
      nativeLoaded = false;
      continue;
    }
    if (c.kind === 'load') {
      if (c.nhcb) nativeLoaded = true;
      const app = storage.appender();
      const series = c.nhcb ? [...c.series, ...nhcbSeries(c)] : c.series;
      for (const s of series) {
        if (s.native) nativeLoaded = true;
        s.values.forEach((v, i) => {
          if (v === undefined) return;
          try {
            if (v instanceof FloatHistogram) app.appendHistogram!(0, s.labels, i * c.intervalMs, v);
            else app.append(0, s.labels, i * c.intervalMs, v);
          } catch {
            // Out-of-order points of unsupported notations are skipped.
          }
        });
      }
      await app.commit();
      continue;
    }
    let error: string | undefined;
    try {
      error = await runEval(engine, c);
    } catch (e) {
      error = `runner: ${(e as Error).message}`;
    }
    results.push({ line: c.line, expr: c.expr, passed: error === undefined, native: c.native || nativeLoaded, error });
  }
  return results;
}

async function runEval(engine: PromqlEngine, c: EvalCommand): Promise<string | undefined> {
  let res: QueryResult;
  try {
    if (c.instant && c.expectRange) res = await engine.instantQuery(c.expr, c.expectRange.end);
    else if (c.instant) res = await engine.instantQuery(c.expr, c.at);
    else res = await engine.rangeQuery(c.expr, c.start, c.end, c.step);
  } catch (e) {
    if (!(e instanceof PromqlError)) throw e;
    if (!c.fail) return `unexpected error: ${e.message}`;
    if (c.failMessage !== undefined && c.failMessage !== e.message) return `expected error ${JSON.stringify(c.failMessage)}, got ${JSON.stringify(e.message)}`;
    if (c.failRegexp && !c.failRegexp.test(e.message)) return `expected error matching ${c.failRegexp}, got ${JSON.stringify(e.message)}`;
    const f = c.expects.find((x) => x.type === 'fail');
    if (f?.match && !matches(f, e.message)) return `expected error ${f.match.kind} ${JSON.stringify(f.match.text)}, got ${JSON.stringify(e.message)}`;
    return undefined;
  }
  if (c.fail) return `expected error, got result`;
  const annoErr = checkAnnotations(c, res);
  if (annoErr) return annoErr;
  return compareResult(c, res);
}

function matches(e: ExpectMatch, s: string): boolean {
  if (!e.match) return true;
  if (e.match.kind === 'msg') return s === e.match.text;
  return new RegExp(e.match.text).test(s);
}

function checkAnnotations(c: EvalCommand, r: QueryResult): string | undefined {
  if (c.warn && r.warnings.length === 0) return 'expected warnings but got none';
  if (c.info && r.infos.length === 0) return 'expected infos but got none';
  for (const [type, actual] of [
    ['warn', r.warnings],
    ['info', r.infos],
  ] as const) {
    const exp = c.expects.filter((e) => e.type === type);
    if (exp.length === 0) continue;
    if (actual.length === 0) return `expected ${type} annotations but none were found`;
    for (const e of exp) if (!actual.some((a) => matches(e, a))) return `expected ${type} matching ${JSON.stringify(e.match?.text)}, found ${JSON.stringify(actual)}`;
    for (const a of actual) if (!exp.some((e) => matches(e, a))) return `unexpected ${type} annotation ${JSON.stringify(a)}`;
  }
  if (c.expects.some((e) => e.type === 'no_warn') && r.warnings.length > 0) return `unexpected warnings ${JSON.stringify(r.warnings)}`;
  if (c.expects.some((e) => e.type === 'no_info') && r.infos.length > 0) return `unexpected infos ${JSON.stringify(r.infos)}`;
  return undefined;
}

function fmt(l: Labels, v: unknown): string {
  return `${l.toString()} ${String(v)}`;
}

function compareResult(c: EvalCommand, r: QueryResult): string | undefined {
  const val = r.value;
  if (c.expectString !== undefined) {
    if (val.type !== 'string') return `expected string, got ${val.type}`;
    return val.v === c.expectString ? undefined : `expected string ${JSON.stringify(c.expectString)}, got ${JSON.stringify(val.v)}`;
  }
  if (c.expectScalar !== undefined) {
    if (val.type !== 'scalar') return `expected scalar, got ${val.type}`;
    return almostEqual(c.expectScalar, val.v) ? undefined : `expected scalar ${c.expectScalar}, got ${val.v}`;
  }
  const expected = new Map<string, { labels: Labels; values: SeqValue[]; pos: number }>();
  c.expected.forEach((e, i) => expected.set(e.labels.key(), { ...e, pos: i }));
  if (val.type === 'scalar') return `expected vector or matrix result, got scalar ${val.v}`;
  if (val.type === 'string') return `unexpected string result`;
  if (val.type === 'vector') {
    if (!c.instant) return 'range query returned a vector';
    const seen = new Set<string>();
    for (let i = 0; i < val.samples.length; i++) {
      const s = val.samples[i];
      const exp = expected.get(s.labels.key());
      if (!exp) return `unexpected metric ${fmt(s.labels, s.v)} in result`;
      if (c.ordered && exp.pos !== i) return `expected ${s.labels.toString()} at position ${exp.pos + 1} but was at ${i + 1}`;
      const ev = exp.values[0];
      const d = diffValue(ev, s.v, s.h);
      if (d) return `${d} for ${s.labels.toString()}`;
      seen.add(s.labels.key());
    }
    for (const [k, e] of expected) if (!seen.has(k)) return `expected metric ${fmt(e.labels, e.values)} not found`;
    return undefined;
  }
  // matrix
  const seen = new Set<string>();
  const start = c.expectRange ? c.expectRange.start : c.start;
  const step = c.expectRange ? c.expectRange.step : c.step;
  for (const s of val.series) {
    const exp = expected.get(s.labels.key());
    if (!exp) return `unexpected metric ${s.labels.toString()} in result`;
    seen.add(s.labels.key());
    const et: number[] = [];
    const evs: (number | FloatHistogram)[] = [];
    exp.values.forEach((v, i) => {
      if (v === undefined) return;
      et.push(start + i * step);
      evs.push(v);
    });
    if (et.length !== s.t.length) return `expected ${et.length} points for ${s.labels.toString()}, got ${s.t.length} (${Array.from(s.v, (x, i) => String(s.h?.[i] ?? x)).join(' ')} @ ${Array.from(s.t).join(' ')})`;
    for (let i = 0; i < et.length; i++) {
      if (et[i] !== s.t[i]) return `expected point ${i} of ${s.labels.toString()} at ${et[i]}, got ${s.t[i]}`;
      const d = diffValue(evs[i], s.v[i], s.h?.[i]);
      if (d) return `point ${i} (t=${et[i]}) of ${s.labels.toString()}: ${d}`;
    }
  }
  for (const [k, e] of expected) if (!seen.has(k)) return `expected metric ${e.labels.toString()} not found`;
  return undefined;
}

/** Why an actual value (float, or histogram when `h` is set) differs from the expected one, or undefined. */
function diffValue(ev: SeqValue, v: number, h: FloatHistogram | undefined): string | undefined {
  if (ev === undefined) return `expected no value but got ${h ?? v}`;
  if (ev instanceof FloatHistogram) {
    if (!h) return `expected histogram ${ev} but got float ${v}`;
    const a = ev.copy().compact();
    const b = h.copy().compact();
    if (!a.equals(b, (x, y) => almostEqual(x, y)) || (hasExplicitHint(ev) && ev.hint !== h.hint)) return `expected ${ev} but got ${h}`;
    return undefined;
  }
  if (h) return `expected float ${ev} but got histogram ${h}`;
  if (!almostEqual(ev, v) || isStaleNaN(ev) !== isStaleNaN(v)) return `expected ${ev} but got ${v}`;
  return undefined;
}

/** `load_with_nhcb`: classic `_bucket`/`_sum`/`_count` series also loaded as native histograms with custom buckets. */
function nhcbSeries(c: LoadCommand): { labels: Labels; values: SeqValue[]; native: boolean }[] {
  const groups = new Map<string, { labels: Labels; buckets: { le: number; values: SeqValue[] }[]; sum?: SeqValue[]; count?: SeqValue[] }>();
  const group = (l: Labels, base: string) => {
    const labels = l.builder().del('le').set(METRIC_NAME, base).labels();
    const k = labels.key();
    let g = groups.get(k);
    if (!g) groups.set(k, (g = { labels, buckets: [] }));
    return g;
  };
  for (const s of c.series) {
    const name = s.labels.get(METRIC_NAME);
    if (name.endsWith('_bucket') && s.labels.get('le') !== '') {
      const le = Number(s.labels.get('le').replace(/^\+?inf$/i, 'Infinity'));
      if (le !== le) continue;
      group(s.labels, name.slice(0, -7)).buckets.push({ le, values: s.values });
    }
  }
  for (const s of c.series) {
    const name = s.labels.get(METRIC_NAME);
    for (const suffix of ['_sum', '_count'] as const) {
      if (!name.endsWith(suffix)) continue;
      const k = s.labels.builder().set(METRIC_NAME, name.slice(0, -suffix.length)).labels().key();
      const g = groups.get(k);
      if (g) g[suffix === '_sum' ? 'sum' : 'count'] = s.values;
    }
  }
  const out: { labels: Labels; values: SeqValue[]; native: boolean }[] = [];
  for (const g of groups.values()) {
    const byLe = new Map<number, SeqValue[]>();
    for (const b of g.buckets) byLe.set(b.le, b.values);
    const les = [...byLe.keys()].sort((a, b) => a - b);
    const n = Math.max(...g.buckets.map((b) => b.values.length));
    const values: SeqValue[] = [];
    for (let i = 0; i < n; i++) {
      const cum = les.map((le) => byLe.get(le)![i]);
      if (cum.some((x) => typeof x !== 'number')) {
        values.push(cum.every((x) => typeof x === 'number' || x === undefined) && cum.some((x) => typeof x === 'number' && isStaleNaN(x)) ? undefined : undefined);
        continue;
      }
      const h = new FloatHistogram();
      h.schema = CUSTOM_BUCKETS_SCHEMA;
      h.customValues = les.at(-1) === Infinity ? les.slice(0, -1) : les;
      let prev = 0;
      h.pos = (cum as number[]).map((x) => {
        const d = x - prev;
        prev = x;
        return d;
      });
      h.count = (cum as number[]).at(-1)!;
      const cnt = g.count?.[i];
      if (typeof cnt === 'number') h.count = cnt;
      const sum = g.sum?.[i];
      h.sum = typeof sum === 'number' ? sum : 0;
      values.push(h);
    }
    out.push({ labels: g.labels, values, native: true });
  }
  return out;
}

import { Labels, type Matcher } from '../../model/index.js';
import type { StreamShard } from '../model/index.js';
import type { Expr, RangeOp } from './ast.js';
import { seriesLimitError } from './errors.js';
import type { LogqlResult, QueryStats, StreamResult } from './vector.js';

/**
 * Query sharding by stream (Loki's query frontend shards a query by stream fingerprint and merges the shards'
 * answers): a query whose answer is a merge of its answers over disjoint sets of streams runs as one task per shard,
 * each in its own worker, so one query uses every core. Two shapes qualify:
 *
 * - `sum [by|without (...)] (<op>(<log selector with any pipeline> [range]))` with `op` a sum over the window of a
 *   value per line (`count_over_time`, `rate`, `bytes_over_time`, `bytes_rate`, `sum_over_time`): every line adds to
 *   exactly one output sample, so the shards' samples of one series and step add up;
 * - a log query with a line filter (the work is the scan; without one a limited query reads only its newest chunks),
 *   without `interval`: the shards' best `limit` entries hold the whole query's best `limit`.
 */
export type ShardKind = 'sum' | 'logs';

const ADDITIVE_RANGE_OPS: ReadonlySet<RangeOp> = new Set<RangeOp>(['count_over_time', 'rate', 'bytes_over_time', 'bytes_rate', 'sum_over_time']);

/**
 * How `expr` can be sharded: its stream selector, and how far before the query's start and after its end its
 * windows reach (ms), so that the streams' bytes over that span bound what the query reads.
 */
export function shardShape(expr: Expr, intervalMs: number | undefined): { kind: ShardKind; matchers: readonly Matcher[]; beforeMs: number; afterMs: number } | undefined {
  if (expr.kind === 'log') {
    if (intervalMs !== undefined || !expr.stages.some((s) => s.kind === 'lineFilter')) return undefined;
    return { kind: 'logs', matchers: expr.matchers, beforeMs: 0, afterMs: 0 };
  }
  if (expr.kind !== 'vectorAgg' || expr.op !== 'sum' || expr.expr.kind !== 'range' || !ADDITIVE_RANGE_OPS.has(expr.expr.op)) return undefined;
  const r = expr.expr;
  return { kind: 'sum', matchers: r.log.matchers, beforeMs: r.rangeMs + Math.max(0, r.offsetMs), afterMs: Math.max(0, -r.offsetMs) };
}

/**
 * Streams split into `n` shards of about equal bytes (largest first, each to the lightest shard). The first shard
 * takes every stream not named by the others, so a stream that appears after the plan is still read (once).
 */
export function planShards(streams: ReadonlyArray<{ key: string; bytes: number }>, n: number): StreamShard[] {
  const sorted = [...streams].sort((a, b) => b.bytes - a.bytes || (a.key < b.key ? -1 : 1));
  const load = new Array<number>(n).fill(0);
  const keys: string[][] = Array.from({ length: n }, () => []);
  for (const s of sorted) {
    let j = 0;
    for (let k = 1; k < n; k++) if (load[k] < load[j]) j = k;
    load[j] += s.bytes;
    keys[j].push(s.key);
  }
  const others = keys.slice(1).flat();
  return [{ keys: others, exclude: true }, ...keys.slice(1).map((k) => ({ keys: k, exclude: false }))];
}

function mergeStats(rs: readonly LogqlResult[]): QueryStats {
  const out: QueryStats = { totalLinesProcessed: 0, totalBytesProcessed: 0, totalEntriesReturned: 0, execTimeSec: 0 };
  for (const r of rs) {
    out.totalLinesProcessed += r.stats.totalLinesProcessed;
    out.totalBytesProcessed += r.stats.totalBytesProcessed;
    out.totalEntriesReturned += r.stats.totalEntriesReturned;
    out.execTimeSec = Math.max(out.execTimeSec, r.stats.execTimeSec);
  }
  return out;
}

/**
 * The whole query's answer from its shards' answers (in shard order): summed samples per series and time (series
 * sorted by labels, as the engine sorts them; the series limit applies to the merged answer), or the best `limit`
 * entries over every shard in the query's direction (streams in the order of their first entry).
 */
export function mergeShardResults(rs: readonly LogqlResult[], limit: number, direction: 'forward' | 'backward', maxSeries: number): LogqlResult {
  const first = rs[0];
  const stats = mergeStats(rs);
  if (first.resultType === 'streams') {
    const entries: Array<{ ts: bigint; line: string; s: StreamResult }> = [];
    for (const r of rs) if (r.resultType === 'streams') for (const s of r.streams) for (let i = 0; i < s.ts.length; i++) entries.push({ ts: s.ts[i], line: s.lines[i], s });
    const backward = direction === 'backward';
    // Stable: equal times keep shard order.
    entries.sort((a, b) => (a.ts === b.ts ? 0 : (a.ts < b.ts) !== backward ? -1 : 1));
    entries.length = Math.min(entries.length, limit);
    const out = new Map<StreamResult, StreamResult>();
    for (const e of entries) {
      let o = out.get(e.s);
      if (!o) out.set(e.s, (o = { labels: e.s.labels, ts: [], lines: [] }));
      o.ts.push(e.ts);
      o.lines.push(e.line);
    }
    stats.totalEntriesReturned = entries.length;
    return { resultType: 'streams', streams: [...out.values()], stats };
  }
  if (first.resultType === 'matrix') {
    const byKey = new Map<string, { labels: Labels; points: Map<number, number> }>();
    for (const r of rs) {
      if (r.resultType !== 'matrix') continue;
      for (const s of r.series) {
        const k = s.labels.key();
        let e = byKey.get(k);
        if (!e) byKey.set(k, (e = { labels: s.labels, points: new Map() }));
        for (const [t, v] of s.points) e.points.set(t, (e.points.get(t) ?? 0) + v);
      }
    }
    if (byKey.size > maxSeries) throw seriesLimitError(maxSeries);
    const series = [...byKey.values()].map((e) => ({ labels: e.labels, points: [...e.points].sort((a, b) => a[0] - b[0]) }));
    return { resultType: 'matrix', series: series.sort((a, b) => Labels.compare(a.labels, b.labels)), stats };
  }
  if (first.resultType === 'vector') {
    const byKey = new Map<string, { labels: Labels; t: number; value: number }>();
    for (const r of rs) {
      if (r.resultType !== 'vector') continue;
      for (const s of r.samples) {
        const k = s.labels.key();
        const e = byKey.get(k);
        if (e) e.value += s.value;
        else byKey.set(k, { ...s });
      }
    }
    if (byKey.size > maxSeries) throw seriesLimitError(maxSeries);
    return { resultType: 'vector', samples: [...byKey.values()].sort((a, b) => Labels.compare(a.labels, b.labels)), stats };
  }
  return first;
}

import type { Labels } from '../../model/index.js';
import type { LogqlResult, QueryStats } from '../logql/index.js';

/** Go's strconv.FormatFloat(v, 'f', -1, 64) as Prometheus/Loki render sample values. */
export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

const sec = (ms: number) => ms / 1000;

function statsJson(s: QueryStats) {
  const bytesPerSec = s.execTimeSec > 0 ? Math.round(s.totalBytesProcessed / s.execTimeSec) : 0;
  const linesPerSec = s.execTimeSec > 0 ? Math.round(s.totalLinesProcessed / s.execTimeSec) : 0;
  return {
    summary: {
      bytesProcessedPerSecond: bytesPerSec,
      linesProcessedPerSecond: linesPerSec,
      totalBytesProcessed: s.totalBytesProcessed,
      totalLinesProcessed: s.totalLinesProcessed,
      execTime: s.execTimeSec,
      queueTime: 0,
      subqueries: 0,
      totalEntriesReturned: s.totalEntriesReturned,
      splits: 0,
      shards: 0,
    },
  };
}

/** Loki's query response JSON (`status`, `data.resultType`, `data.result`, `data.stats`). */
export function queryResponse(r: LogqlResult, direction: 'forward' | 'backward' = 'backward'): unknown {
  let result: unknown;
  switch (r.resultType) {
    case 'streams':
      result = r.streams.map((s) => ({
        stream: s.labels.toObject(),
        values: s.ts.map((t, i) => [String(t), s.lines[i]]),
      }));
      if (direction === 'backward') {
        // newest stream first, as Loki orders them
        (result as Array<{ values: string[][] }>).sort((a, b) => cmpNs(b.values[0]?.[0], a.values[0]?.[0]));
      } else (result as Array<{ values: string[][] }>).sort((a, b) => cmpNs(a.values[0]?.[0], b.values[0]?.[0]));
      break;
    case 'matrix':
      result = r.series.map((s) => ({ metric: s.labels.toObject(), values: s.points.map(([t, v]) => [sec(t), formatValue(v)]) }));
      break;
    case 'vector':
      result = r.samples.map((s) => ({ metric: s.labels.toObject(), value: [sec(s.t), formatValue(s.value)] }));
      break;
    case 'scalar':
      result = [sec(r.t), formatValue(r.value)];
      break;
  }
  return { status: 'success', data: { resultType: r.resultType, result, stats: statsJson(r.stats) } };
}

function cmpNs(a: string | undefined, b: string | undefined): number {
  if (a === b) return 0;
  if (a === undefined) return -1;
  if (b === undefined) return 1;
  return a.length !== b.length ? a.length - b.length : a < b ? -1 : 1;
}

export function labelsJson(l: Labels): Record<string, string> {
  return l.toObject();
}

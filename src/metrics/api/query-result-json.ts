import type { FloatHistogram } from '../../model/index.js';
import type { QueryResult, QueryValue } from '../promql/types.js';
import { formatFloatF, formatSampleValue, formatTimestamp } from './float-format.js';
import { jsonString, labelsJson } from './json-encoding.js';

/** About this many characters per chunk handed to the socket. */
const CHUNK = 64 * 1024;

/** Go's encoding/json for `float64(t)/1000` (scalar and string results). */
function scalarTimestamp(ms: number): string {
  return String(ms / 1000);
}

/**
 * The `data` of a query response (`{"resultType":...,"result":...,"stats":...}`) as a stream of string chunks:
 * no object per point, and a large matrix is never one giant string.
 */
export function* queryDataJson(value: QueryValue, stats: string | undefined): Generator<string> {
  let buf = `{"resultType":"${value.type}","result":`;
  switch (value.type) {
    case 'scalar':
      buf += `[${scalarTimestamp(value.t)},"${formatFloatF(value.v)}"]`;
      break;
    case 'string':
      buf += `[${scalarTimestamp(value.t)},${jsonString(value.v)}]`;
      break;
    case 'vector': {
      buf += '[';
      const samples = value.samples;
      for (let i = 0; i < samples.length; i++) {
        const s = samples[i];
        if (i > 0) buf += ',';
        if (s.h) buf += `{"metric":${labelsJson(s.labels)},"histogram":[${formatTimestamp(s.t)},${histogramJson(s.h)}]}`;
        else buf += `{"metric":${labelsJson(s.labels)},"value":[${formatTimestamp(s.t)},"${formatSampleValue(s.v)}"]}`;
        if (buf.length >= CHUNK) {
          yield buf;
          buf = '';
        }
      }
      buf += ']';
      break;
    }
    case 'matrix': {
      buf += '[';
      const series = value.series;
      for (let i = 0; i < series.length; i++) {
        const s = series[i];
        if (i > 0) buf += ',';
        buf += `{"metric":${labelsJson(s.labels)}`;
        const t = s.t;
        const v = s.v;
        const n = Math.min(t.length, v.length);
        const hs = s.h;
        const nh = hs ? hs.reduce((a, x) => a + (x ? 1 : 0), 0) : 0;
        if (n > nh) {
          buf += ',"values":[';
          let first = true;
          for (let j = 0; j < n; j++) {
            if (hs?.[j]) continue;
            if (!first) buf += ',';
            first = false;
            buf += `[${formatTimestamp(t[j])},"${formatSampleValue(v[j])}"]`;
            if (buf.length >= CHUNK) {
              yield buf;
              buf = '';
            }
          }
          buf += ']';
        }
        if (nh > 0) {
          buf += ',"histograms":[';
          let first = true;
          for (let j = 0; j < n; j++) {
            const h = hs![j];
            if (!h) continue;
            if (!first) buf += ',';
            first = false;
            buf += `[${formatTimestamp(t[j])},${histogramJson(h)}]`;
            if (buf.length >= CHUNK) {
              yield buf;
              buf = '';
            }
          }
          buf += ']';
        }
        buf += '}';
      }
      buf += ']';
      break;
    }
  }
  if (stats !== undefined) buf += `,"stats":${stats}`;
  yield buf + '}';
}

/** Prometheus's `stats.QueryStats` (timings in seconds, sample counts) from what the engine reports. */
export function statsJson(result: QueryResult, totalMs: number, queueMs: number): string {
  const s = result.stats;
  const evalS = (s?.evalMs ?? totalMs) / 1000;
  return (
    `{"timings":{"evalTotalTime":${evalS},"resultSortTime":0,"queryPreparationTime":0,"innerEvalTime":${evalS},` +
    `"execQueueTime":${queueMs / 1000},"execTotalTime":${totalMs / 1000}},` +
    `"samples":{"totalQueryableSamples":${s?.samplesLoaded ?? 0},"peakSamples":${s?.peakSamples ?? 0}}}`
  );
}

/** Prometheus's `truncateResults`: at most `limit` series of a vector or matrix. */
export function truncateValue(value: QueryValue, limit: number): { value: QueryValue; truncated: boolean } {
  if (value.type === 'vector' && value.samples.length > limit) return { value: { type: 'vector', samples: value.samples.slice(0, limit) }, truncated: true };
  if (value.type === 'matrix' && value.series.length > limit) return { value: { type: 'matrix', series: value.series.slice(0, limit) }, truncated: true };
  return { value, truncated: false };
}

/**
 * Prometheus's `jsonutil.MarshalHistogram`: count, sum and the non-empty buckets as
 * `[boundaryRule, "lower", "upper", "count"]` (0 = (l,u], 1 = [l,u), 3 = [l,u]).
 */
export function histogramJson(h: FloatHistogram): string {
  let out = `{"count":"${formatSampleValue(h.count)}","sum":"${formatSampleValue(h.sum)}"`;
  let found = false;
  const custom = h.usesCustomBuckets();
  for (const b of h.buckets()) {
    if (b.count === 0) continue;
    out += found ? ',' : ',"buckets":[';
    found = true;
    const rule = b.zero ? 3 : !custom && b.upper <= 0 ? 1 : 0;
    out += `[${rule},"${formatSampleValue(b.lower)}","${formatSampleValue(b.upper)}","${formatSampleValue(b.count)}"]`;
  }
  return out + (found ? ']}' : '}');
}

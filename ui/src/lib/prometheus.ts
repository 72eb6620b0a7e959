import { proxyPath } from './api';
import { seriesName, type Labels } from './legend';

/** Prometheus HTTP API answers, through the datasource proxy. */
export interface PromSeries {
  metric: Labels;
  values?: [number, string][];
  value?: [number, string];
}

export interface PromResponse {
  status: 'success' | 'error';
  data?: { resultType: 'matrix' | 'vector' | 'scalar' | 'string'; result: PromSeries[] | [number, string] };
  errorType?: string;
  error?: string;
  warnings?: string[];
  infos?: string[];
}

export interface QueryInspection {
  method: string;
  url: string;
  params: Record<string, string>;
  status: number;
  durationMs: number;
  bytes: number;
  response: unknown;
}

export class PromQueryError extends Error {
  constructor(
    message: string,
    readonly errorType: string,
    readonly inspection?: QueryInspection,
  ) {
    super(message);
    this.name = 'PromQueryError';
  }
}

/** Run `/api/v1/query` or `/api/v1/query_range` through the proxy; an error keeps Prometheus's own message. */
export async function promQuery(uid: string, endpoint: 'query' | 'query_range', params: Record<string, string>, httpMethod: 'GET' | 'POST'): Promise<{ body: PromResponse; inspection: QueryInspection }> {
  const url = `${proxyPath(uid)}/api/v1/${endpoint}`;
  const form = new URLSearchParams(params);
  const t0 = performance.now();
  const res =
    httpMethod === 'POST'
      ? await fetch(url, { method: 'POST', body: form, headers: { 'content-type': 'application/x-www-form-urlencoded' }, credentials: 'same-origin' })
      : await fetch(`${url}?${form}`, { credentials: 'same-origin' });
  const text = await res.text();
  const inspection: QueryInspection = { method: httpMethod, url, params, status: res.status, durationMs: performance.now() - t0, bytes: text.length, response: text };
  let body: PromResponse;
  try {
    body = JSON.parse(text) as PromResponse;
    inspection.response = body;
  } catch {
    throw new PromQueryError(text.trim() || `HTTP ${res.status}`, `http_${res.status}`, inspection);
  }
  if (body.status !== 'success') {
    const fallback = (body as { message?: string }).message;
    throw new PromQueryError(body.error ?? fallback ?? `HTTP ${res.status}`, body.errorType ?? `http_${res.status}`, inspection);
  }
  return { body, inspection };
}

export interface GraphData {
  /** Seconds (uPlot's time unit). */
  xs: Float64Array;
  /** `color`: a fixed colour (log levels); otherwise one from the palette by position. */
  series: { name: string; labels: Labels; values: (number | null)[]; color?: string }[];
}

/** A matrix as aligned columns over the step grid, one array per series (missing points are null). */
export function matrixToGraph(result: PromSeries[], startSec: number, endSec: number, stepSec: number, legend: string): GraphData {
  const n = Math.max(1, Math.floor((endSec - startSec) / stepSec) + 1);
  const xs = new Float64Array(n);
  for (let i = 0; i < n; i++) xs[i] = startSec + i * stepSec;
  const series = result.map((s) => {
    const values: (number | null)[] = new Array(n).fill(null);
    for (const [t, v] of s.values ?? []) {
      const i = Math.round((t - startSec) / stepSec);
      if (i >= 0 && i < n) {
        const f = parseFloat(v);
        values[i] = Number.isFinite(f) ? f : null;
      }
    }
    return { name: seriesName(s.metric, legend), labels: s.metric, values };
  });
  return { xs, series };
}

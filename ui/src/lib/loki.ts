import { parser } from '@grafana/lezer-logql';
import { proxyPath } from './api';
import type { LokiStream } from './logs';
import { PromQueryError, type PromSeries, type QueryInspection } from './prometheus';

export interface LokiResponse {
  status: string;
  data?: { resultType: 'streams' | 'matrix' | 'vector'; result: LokiStream[] | PromSeries[] };
  error?: string;
  errorType?: string;
}

/** Whether a LogQL query is a metric query (returns samples) rather than a log query (returns lines). */
export function isMetricQuery(expr: string): boolean {
  const tree = parser.parse(expr);
  let metric = false;
  tree.iterate({
    enter: (n) => {
      if (n.name === 'MetricExpr') metric = true;
      return !metric && n.name !== 'LogExpr';
    },
  });
  return metric;
}

/** The stream selector (`{...}`) of a query, for the log-volume query. */
export function streamSelector(expr: string): string | undefined {
  const tree = parser.parse(expr);
  let sel: string | undefined;
  tree.iterate({
    enter: (n) => {
      if (sel !== undefined) return false;
      if (n.name === 'Selector') {
        sel = expr.slice(n.from, n.to);
        return false;
      }
      return true;
    },
  });
  return sel;
}

/** `/loki/api/v1/query_range` through the proxy; Loki's errors (plain text or JSON) are kept as they are. */
export async function lokiQueryRange(uid: string, params: Record<string, string>): Promise<{ body: LokiResponse; inspection: QueryInspection }> {
  const url = `${proxyPath(uid)}/loki/api/v1/query_range`;
  const t0 = performance.now();
  const res = await fetch(`${url}?${new URLSearchParams(params)}`, { credentials: 'same-origin' });
  const text = await res.text();
  const inspection: QueryInspection = { method: 'GET', url, params, status: res.status, durationMs: performance.now() - t0, bytes: text.length, response: text };
  let body: LokiResponse | undefined;
  try {
    body = JSON.parse(text) as LokiResponse;
    inspection.response = body;
  } catch {
    /* Loki answers errors in plain text */
  }
  if (!res.ok || !body || body.status !== 'success') throw new PromQueryError(body?.error ?? (text.trim() || `HTTP ${res.status}`), body?.errorType ?? `http_${res.status}`, inspection);
  return { body, inspection };
}


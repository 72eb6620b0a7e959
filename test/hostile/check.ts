import type { HostileCase } from './cases.js';
import type { CaseResult } from './stack.js';

/**
 * Probes of the other listeners (HTTP, and an empty OTLP/gRPC export) must answer within this while a case runs.
 * The gRPC probe once had 1 s (a grpc-js call takes a few event-loop turns on each side; it was measured at
 * 200-900 ms during 128 MiB bombs and 10,000-label pushes). In three full runs of the suite on the shared 2-core
 * machine (load 7-9, PromQL in worker threads) no row had the gRPC probe alone over 200 ms: where it was over, in the
 * 20,000-series remote write row, every HTTP probe was too (235-307 ms against 252-362 ms).
 */
export const PROBE_BUDGET_MS = 200;
/** RSS growth allowed beyond the limit a case may legitimately fill. */
export const RSS_SLACK_MB = 64;

/** Everything wrong with a case's outcome (empty when it passed). */
export function violations(c: HostileCase, r: CaseResult, opts: { probeBudgetMs?: number; budgetScale?: number } = {}): string[] {
  const bad: string[] = [];
  const show = `${r.status}${r.grpcCode !== undefined ? ` grpc=${r.grpcCode}` : ''}: ${r.text.slice(0, 200)}`;
  if (c.grpc) {
    if (!(c.grpcCodes ?? [0]).includes(r.grpcCode ?? -1)) bad.push(`gRPC code ${show}`);
  } else {
    const want = c.status;
    const ok = want === 'client' ? r.status >= 400 && r.status < 500 : want === 'handled' ? r.status >= 200 && r.status < 500 : (Array.isArray(want) ? want : [want]).includes(r.status);
    if (!ok) bad.push(`status ${show}`);
    if (r.status >= 500) bad.push(`5xx ${show}`);
    if (r.status >= 400 && r.status < 500 && c.format === 'prometheus') {
      try {
        const j = JSON.parse(r.text) as { status?: string; errorType?: string; error?: string };
        if (j.status !== 'error' || !j.errorType || typeof j.error !== 'string') bad.push(`not Prometheus's error format: ${r.text.slice(0, 200)}`);
      } catch {
        bad.push(`not JSON: ${r.text.slice(0, 200)}`);
      }
    }
    if (r.status >= 400 && r.status < 500 && c.format === 'grafana' && !/"message"/.test(r.text)) bad.push(`not Grafana's error format: ${r.text.slice(0, 200)}`);
  }
  if (c.text && !c.text.test(r.text)) bad.push(`body does not match ${c.text}: ${r.text.slice(0, 200)}`);
  if (r.text.includes('Maximum call stack') || /\bat \S+ \(.*:\d+:\d+\)/.test(r.text)) bad.push(`internals in the body: ${r.text.slice(0, 200)}`);
  const budget = (c.budgetMs ?? 1000) * (opts.budgetScale ?? 1);
  if (r.ms > budget) bad.push(`took ${Math.round(r.ms)} ms > ${budget} ms`);
  const probeBudget = opts.probeBudgetMs ?? PROBE_BUDGET_MS;
  for (const [l, ms] of Object.entries(r.probes)) {
    if (ms > probeBudget) bad.push(`probe of ${l} took ${ms} ms > ${probeBudget} ms`);
  }
  const rssBound = (c.limitMb ?? 0) + RSS_SLACK_MB;
  if (r.rssGrowthMb > rssBound) bad.push(`RSS grew ${Math.round(r.rssGrowthMb)} MB > ${rssBound} MB`);
  return bad;
}

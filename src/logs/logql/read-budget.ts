import type { Expr } from './ast.js';
import { LogqlEvalError } from './errors.js';

/** A query read more bytes of lines than the tenant's `max_query_bytes_read` or `max_querier_bytes_read` (400). */
export class QueryBytesLimitError extends LogqlEvalError {}

/** Go's `humanize.IBytes` (Loki's limit messages): `512 B`, `1.0 KiB`, `49 MiB`. */
export function iBytes(n: number): string {
  if (n < 10) return `${n} B`;
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];
  const e = Math.min(units.length - 1, Math.floor(Math.log(n) / Math.log(1024)));
  const v = Math.floor((n / 1024 ** e) * 10 + 0.5) / 10;
  return `${v < 10 ? v.toFixed(1) : v.toFixed(0)} ${units[e]}`;
}

/** Whether Loki applies its bytes-read limits to `expr`: metric queries, and log queries with a line or label filter. */
function limited(expr: Expr): boolean {
  return expr.kind !== 'log' || expr.stages.some((s) => s.kind === 'lineFilter' || s.kind === 'labelFilter');
}

/**
 * The bytes of lines one query reads (the chunks and head blocks its selects fetch, before filtering), against the
 * tenant's limits. Loki checks them before running a query, from index statistics; here each select's sources
 * count as they arrive, so a query stops (in its worker) as soon as it crosses a limit, with Loki's message and
 * status. As Loki, a log query without filters is not limited (it stops at its `limit` of lines).
 */
export class ReadBudget {
  private read = 0;

  private constructor(
    private readonly maxQuery: number,
    private readonly maxQuerier: number,
  ) {}

  /** A budget for `expr`, or none if no limit applies to it. */
  static for(expr: Expr, maxQuery: number, maxQuerier: number): ReadBudget | undefined {
    if ((maxQuery <= 0 && maxQuerier <= 0) || !limited(expr)) return undefined;
    return new ReadBudget(maxQuery, maxQuerier);
  }

  /** Count `bytes` read; throws once a limit is passed. */
  add(bytes: number): void {
    this.read += bytes;
    if (this.maxQuery > 0 && this.read > this.maxQuery) {
      throw new QueryBytesLimitError(`the query would read too many bytes (query: ${iBytes(this.read)}, limit: ${iBytes(this.maxQuery)}); consider adding more specific stream selectors or reduce the time range of the query`);
    }
    if (this.maxQuerier > 0 && this.read > this.maxQuerier) {
      throw new QueryBytesLimitError(
        `query too large to execute on a single querier: (query: ${iBytes(this.read)}, limit: ${iBytes(this.maxQuerier)}); consider adding more specific stream selectors, reduce the time range of the query, or adjust parallelization settings`,
      );
    }
  }
}

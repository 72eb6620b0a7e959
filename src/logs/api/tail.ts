import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Logger } from 'pino';
import type { LogsLimits } from '../../config/index.js';
import { gated, type ConcurrencyGate } from '../../lib/worker-pool/index.js';
import { HttpError, authorizeUpgrade, resolveTenant, type TenancyOptions } from '../../server/index.js';
import type { AppendListener } from '../ingester/index.js';
import { LogqlParseError, abortError, parseLogql, type LogqlQueries } from '../logql/index.js';
import { EntryBuffer } from '../querier/index.js';
import { nowNs, rangeParams, type Params } from './params.js';

const TAIL_PATHS = new Set(['/loki/api/v1/tail', '/api/prom/tail']);

/** New entries a tail holds while its previous batch is evaluated; past this they are dropped and reported. */
const MAX_PENDING_ENTRIES = 10_000;
/** Dropped entries reported in one frame (each as its labels and timestamp). */
const MAX_REPORTED_DROPS = 1000;
/** How long new entries gather before a batch is evaluated. */
const BATCH_DELAY_MS = 50;

/** What the tail needs of the ingester: every write once it is durable. */
export interface AppendSource {
  onAppend(l: AppendListener): () => void;
}

type Frame = { stream: Record<string, string>; values: string[][] };

/** What bounds tails: the query gate their queries take slots of, and a tenant's limits. */
export interface TailLimits {
  /** The API's query gate (`logs.query.max_concurrent`): the history and each batch hold a slot while they run. */
  gate: ConcurrencyGate;
  /** A tenant's `max_concurrent_tail_requests` (open tails) and `query_timeout` (each history or batch query). */
  limits(tenant: string): Pick<LogsLimits, 'max_concurrent_tail_requests' | 'query_timeout'>;
}

/** Loki's querier refusal of a tail over `max_concurrent_tail_requests`, as its gRPC-wrapped HTTP 400 prints. */
export function tailLimitMessage(open: number, limit: number): string {
  return `rpc error: code = Code(400) desc = max concurrent tail requests limit exceeded, count > limit (${open + 1} > ${limit})`;
}

/**
 * `GET /loki/api/v1/tail` over WebSocket: first the last `limit` entries since `start`, then every new entry
 * matching the query as it is written, as `{"streams":[{"stream":{...},"values":[["<ns>","<line>"]]}]}` frames.
 * Only the stream selector is checked as entries are written; they gather for `BATCH_DELAY_MS` and each batch runs
 * the query's pipeline through `queries` — in the LogQL query workers when there are any — one batch at a time per
 * tail, each bounded by the tenant's `query_timeout` as any query and holding a slot of the query gate while it
 * runs (waiting for one as API queries do), so tails and queries share `logs.query.max_concurrent`. Entries beyond
 * `MAX_PENDING_ENTRIES` while a batch runs are dropped and listed in the next frame's `dropped_entries`, as Loki does
 * for a tail that cannot keep up. A batch that fails closes the socket with 1011 and the error, as Loki's tail.
 * A tenant's tails beyond its `max_concurrent_tail_requests` are refused as Loki's querier refuses them: the
 * WebSocket opens, then closes with 1011 and `tailLimitMessage`.
 */
export function attachTail(server: Server, store: AppendSource, queries: LogqlQueries, tenancy: TenancyOptions, logger: Logger, bounds: TailLimits): () => void {
  const wss = new WebSocketServer({ noServer: true });
  // Open tails per tenant (Loki counts a tenant's tailers in each ingester; here there is one).
  const openTails = new Map<string, number>();
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (!TAIL_PATHS.has(url.pathname)) {
      socket.destroy();
      return;
    }
    void authorizeUpgrade('logs', req).then(
      (denied) => {
        if (denied) socket.end(`HTTP/1.1 ${denied.status} ${denied.status === 401 ? 'Unauthorized' : 'Forbidden'}\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n${denied.message}`);
        else upgrade(req, socket, head, url);
      },
      () => socket.destroy(),
    );
  };
  const upgrade = (req: IncomingMessage, socket: Duplex, head: Buffer, url: URL) => {
    const params: Params = Object.fromEntries(url.searchParams);
    let tenant: string;
    let expr;
    const text = (params.query as string | undefined) ?? '';
    try {
      tenant = resolveTenant(req.headers, tenancy);
      expr = parseLogql(text);
      if (expr.kind !== 'log') throw new LogqlParseError('tail requires a log query');
    } catch (e) {
      const status = e instanceof HttpError ? e.status : 400;
      socket.end(`HTTP/1.1 ${status} Bad Request\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n${(e as Error).message}\n`);
      return;
    }
    const matchers = expr.matchers;
    wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
      const max = bounds.limits(tenant).max_concurrent_tail_requests;
      const open = openTails.get(tenant) ?? 0;
      if (open >= max) {
        ws.close(1011, tailLimitMessage(open, max));
        return;
      }
      openTails.set(tenant, open + 1);
      // Canceled when the client goes: the running batch (or history) stops in its worker.
      const closed = new AbortController();
      // A query of the tail: it waits for a slot of the gate and holds it while it runs, within `query_timeout`.
      const query = <T>(run: (signal: AbortSignal) => Promise<T>) => gated(bounds.gate, closed.signal, abortError, run, bounds.limits(tenant).query_timeout);
      let pending = new EntryBuffer();
      let dropped: Array<{ labels: Record<string, string>; timestamp: string }> = [];
      let timer: NodeJS.Timeout | undefined;
      let running = false;
      // Live entries wait until the history is out; those the history already carried are dropped then.
      let historySent = false;
      let seen: Set<string> | undefined;
      const fail = (e: unknown) => {
        logger.warn({ component: 'logs', err: e }, 'tail query failed');
        if (ws.readyState === ws.OPEN) ws.close(1011, Buffer.from((e as Error).message).subarray(0, 123).toString());
      };
      const schedule = () => {
        timer ??= setTimeout(() => void evaluate(), BATCH_DELAY_MS);
      };
      const evaluate = async () => {
        timer = undefined;
        if (!historySent || running || (pending.n === 0 && dropped.length === 0) || ws.readyState !== ws.OPEN) return;
        const batch = pending;
        const drops = dropped;
        pending = new EntryBuffer();
        dropped = [];
        running = true;
        try {
          let streams: Frame[] = [];
          if (batch.n > 0) {
            const r = await query((signal) => queries.over(batch).rangeQuery({ tenant, query: text, start: batch.minT, end: batch.maxT + 1n, stepMs: 1000, limit: batch.n, direction: 'forward', signal }));
            if (r.resultType === 'streams') streams = r.streams.map((s) => ({ stream: s.labels.toObject(), values: s.ts.map((t, i) => [String(t), s.lines[i]]) }));
            if (seen) streams = unseen(streams, seen);
            seen = undefined;
          }
          if (ws.readyState === ws.OPEN && (streams.length > 0 || drops.length > 0)) ws.send(JSON.stringify({ streams, dropped_entries: drops.length ? drops : null }));
        } catch (e) {
          fail(e);
          return;
        } finally {
          running = false;
        }
        if (pending.n > 0 || dropped.length > 0) schedule();
      };
      const unsubscribe = store.onAppend((t, stream, w) => {
        if (t !== tenant) return;
        for (const m of matchers) if (!m.matches(stream.labels.get(m.name))) return;
        for (let i = 0; i < w.ts.length; i++) {
          if (pending.n < MAX_PENDING_ENTRIES) pending.add(stream.key, stream.labels, w.ts[i], w.lines, i, w.metadata?.[i]);
          else if (dropped.length < MAX_REPORTED_DROPS) dropped.push({ labels: stream.labels.toObject(), timestamp: String(w.ts[i]) });
        }
        schedule();
      });
      ws.on('close', () => {
        const n = (openTails.get(tenant) ?? 1) - 1;
        if (n > 0) openTails.set(tenant, n);
        else openTails.delete(tenant);
        unsubscribe();
        closed.abort('canceled');
        if (timer) clearTimeout(timer);
      });
      // history first
      const limit = Number(params.limit ?? 100);
      const { start } = rangeParams({ ...params, end: undefined, since: params.since ?? '1h' });
      query((signal) => queries.rangeQuery({ tenant, query: text, start, end: nowNs(), stepMs: 1000, limit, direction: 'backward', signal }))
        .then((r) => {
          if (r.resultType !== 'streams' || ws.readyState !== ws.OPEN) return;
          seen = new Set<string>();
          const streams = r.streams.map((s) => {
            const stream = s.labels.toObject();
            const k = JSON.stringify(stream);
            const values = s.ts.map((t, i) => [String(t), s.lines[i]] as string[]).reverse();
            for (const v of values) seen!.add(`${k}\u0000${v[0]}\u0000${v[1]}`);
            return { stream, values };
          });
          if (streams.length) ws.send(JSON.stringify({ streams, dropped_entries: null }));
        })
        .catch((e: unknown) => logger.warn({ component: 'logs', err: e }, 'tail history failed'))
        .finally(() => {
          historySent = true;
          void evaluate();
        });
    });
  };
  server.on('upgrade', onUpgrade);
  return () => {
    server.off('upgrade', onUpgrade);
    for (const c of wss.clients) c.terminate();
    wss.close();
  };
}

/** Frames without the entries the history already sent. */
function unseen(streams: Frame[], seen: Set<string>): Frame[] {
  return streams
    .map((f) => {
      const k = JSON.stringify(f.stream);
      return { stream: f.stream, values: f.values.filter((v) => !seen.has(`${k}\u0000${v[0]}\u0000${v[1]}`)) };
    })
    .filter((f) => f.values.length > 0);
}

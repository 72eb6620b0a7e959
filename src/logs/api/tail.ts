import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Logger } from 'pino';
import { HttpError, authorizeUpgrade, resolveTenant, type TenancyOptions } from '../../server/index.js';
import type { AppendListener } from '../ingester/index.js';
import { LogqlParseError, Pipeline, labelsOf, parseLogql, type LogqlEngine, type PipelineEntry } from '../logql/index.js';
import { nowNs, rangeParams, type Params } from './params.js';

const TAIL_PATHS = new Set(['/loki/api/v1/tail', '/api/prom/tail']);

/**
 * `GET /loki/api/v1/tail` over WebSocket: first the last `limit` entries since `start`, then every new entry
 * matching the query as it is written, as `{"streams":[{"stream":{...},"values":[["<ns>","<line>"]]}]}` frames.
 */
/** What the tail needs of the ingester: every write once it is durable. */
export interface AppendSource {
  onAppend(l: AppendListener): () => void;
}

export function attachTail(server: Server, store: AppendSource, engine: LogqlEngine, tenancy: TenancyOptions, logger: Logger): () => void {
  const wss = new WebSocketServer({ noServer: true });
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
    try {
      tenant = resolveTenant(req.headers, tenancy);
      expr = parseLogql(params.query as string);
      if (expr.kind !== 'log') throw new LogqlParseError('tail requires a log query');
    } catch (e) {
      const status = e instanceof HttpError ? e.status : 400;
      socket.end(`HTTP/1.1 ${status} Bad Request\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n${(e as Error).message}\n`);
      return;
    }
    const logExpr = expr;
    wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
      const pipeline = new Pipeline(logExpr.stages);
      const entry: PipelineEntry = { line: '', ts: 0n, labels: new Map(), stream: new Set() };
      const queue: Array<{ stream: Record<string, string>; values: string[][] }> = [];
      let timer: NodeJS.Timeout | undefined;
      // Live entries wait until the history is out; those the history already carried are dropped then.
      let historySent = false;
      const send = () => {
        timer = undefined;
        if (!historySent || queue.length === 0 || ws.readyState !== ws.OPEN) return;
        ws.send(JSON.stringify({ streams: queue.splice(0), dropped_entries: null }));
      };
      const unsubscribe = store.onAppend((t, stream, w) => {
        if (t !== tenant) return;
        for (const m of logExpr.matchers) if (!m.matches(stream.labels.get(m.name))) return;
        const byKey = new Map<string, { stream: Record<string, string>; values: string[][] }>();
        for (let i = 0; i < w.lines.length; i++) {
          entry.line = w.lines[i];
          entry.ts = w.ts[i];
          if (pipeline.pushdown && !pipeline.pushdown.test(entry.line)) continue;
          entry.labels = new Map();
          stream.labels.forEach((n, v) => entry.labels.set(n, v));
          const meta = w.metadata?.[i];
          if (meta) for (const [n, v] of meta) entry.labels.set(n, v);
          entry.stream = new Set(stream.labels.names());
          if (!pipeline.process(entry)) continue;
          const l = labelsOf(entry.labels);
          const k = l.key();
          let s = byKey.get(k);
          if (!s) byKey.set(k, (s = { stream: l.toObject(), values: [] }));
          s.values.push([String(entry.ts), entry.line]);
        }
        queue.push(...byKey.values());
        timer ??= setTimeout(send, 50);
      });
      ws.on('close', () => {
        unsubscribe();
        if (timer) clearTimeout(timer);
      });
      // history first
      const limit = Number(params.limit ?? 100);
      const { start } = rangeParams({ ...params, end: undefined, since: params.since ?? '1h' });
      engine
        .rangeQuery({ tenant, query: logExpr, start, end: nowNs(), stepMs: 1000, limit, direction: 'backward' })
        .then((r) => {
          if (r.resultType !== 'streams' || ws.readyState !== ws.OPEN) return;
          const seen = new Set<string>();
          const streams = r.streams.map((s) => {
            const stream = s.labels.toObject();
            const k = JSON.stringify(stream);
            const values = s.ts.map((t, i) => [String(t), s.lines[i]] as string[]).reverse();
            for (const v of values) seen.add(`${k}\u0000${v[0]}\u0000${v[1]}`);
            return { stream, values };
          });
          if (streams.length) ws.send(JSON.stringify({ streams, dropped_entries: null }));
          for (const q of queue) {
            const k = JSON.stringify(q.stream);
            q.values = q.values.filter((v) => !seen.has(`${k}\u0000${v[0]}\u0000${v[1]}`));
          }
          queue.splice(0, queue.length, ...queue.filter((q) => q.values.length > 0));
        })
        .catch((e: unknown) => logger.warn({ component: 'logs', err: e }, 'tail history failed'))
        .finally(() => {
          historySent = true;
          send();
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

import * as z from 'zod';
import { countItems } from '../../otlp/index.js';
import type { ProcessorFactory } from '../components.js';
import { goDurationMs } from '../config/go-duration.js';
import type { ClientContext, ExportRequest } from '../pipeline/consumer.js';

const schema = z
  .strictObject({
    timeout: goDurationMs.default(200),
    send_batch_size: z.number().int().nonnegative().default(8192),
    send_batch_max_size: z.number().int().nonnegative().default(0),
    metadata_keys: z.array(z.string()).default([]),
    metadata_cardinality_limit: z.number().int().nonnegative().default(1000),
  })
  .superRefine((c, ctx) => {
    if (c.send_batch_max_size > 0 && c.send_batch_max_size < c.send_batch_size)
      ctx.addIssue({ code: 'custom', path: ['send_batch_max_size'], message: 'send_batch_max_size must be greater or equal to send_batch_size' });
  });

type Group = { resource?: unknown; scopeSpans?: unknown[]; scopeLogs?: unknown[]; scopeMetrics?: unknown[] };

function groupsOf(e: ExportRequest): Group[] {
  return (e.signal === 'traces' ? e.req.resourceSpans : e.signal === 'metrics' ? e.req.resourceMetrics : e.req.resourceLogs) ?? [];
}

function requestOf(signal: ExportRequest['signal'], groups: Group[]): ExportRequest {
  if (signal === 'traces') return { signal, req: { resourceSpans: groups as never } };
  if (signal === 'metrics') return { signal, req: { resourceMetrics: groups as never } };
  return { signal, req: { resourceLogs: groups as never } };
}

/** Split a request into requests of at most `max` items (spans / log records; whole metrics for metrics). */
export function splitRequest(e: ExportRequest, max: number): ExportRequest[] {
  const scopeKey = e.signal === 'traces' ? 'scopeSpans' : e.signal === 'metrics' ? 'scopeMetrics' : 'scopeLogs';
  const itemKey = e.signal === 'traces' ? 'spans' : e.signal === 'metrics' ? 'metrics' : 'logRecords';
  const out: ExportRequest[] = [];
  let cur: Group[] = [];
  let n = 0;
  const itemCount = (it: unknown) => (e.signal === 'metrics' ? countItems({ signal: 'metrics', req: { resourceMetrics: [{ scopeMetrics: [{ metrics: [it as never] }] }] } }) : 1);
  for (const g of groupsOf(e)) {
    let curGroup: Group | undefined;
    for (const sc of (g[scopeKey] ?? []) as Record<string, unknown>[]) {
      let curScope: Record<string, unknown> | undefined;
      for (const it of (sc[itemKey] ?? []) as unknown[]) {
        const c = itemCount(it);
        if (n > 0 && n + c > max) {
          out.push(requestOf(e.signal, cur));
          cur = [];
          n = 0;
          curGroup = undefined;
          curScope = undefined;
        }
        if (!curGroup) cur.push((curGroup = { ...g, [scopeKey]: [] }));
        if (!curScope) (curGroup[scopeKey] as unknown[]).push((curScope = { ...sc, [itemKey]: [] }));
        (curScope[itemKey] as unknown[]).push(it);
        n += c;
      }
    }
  }
  if (n > 0) out.push(requestOf(e.signal, cur));
  return out;
}

interface Pending {
  groups: Group[];
  count: number;
  client: ClientContext;
  timer?: NodeJS.Timeout;
}

/**
 * `batch`: gathers requests until `send_batch_size` items (sent at once, split at `send_batch_max_size`) or
 * `timeout` after the first item, per distinct values of `metadata_keys`. As in the Collector, a request is
 * acknowledged when it joins a batch; what the next component refuses is logged and counted as dropped. At
 * shutdown the open batches are sent.
 */
export const batchProcessorFactory: ProcessorFactory<typeof schema> = {
  type: 'batch',
  signals: ['traces', 'metrics', 'logs'],
  schema,
  create(id, cfg, signal, next, env) {
    const pending = new Map<string, Pending>();
    const inFlight = new Set<Promise<void>>();
    const labels = { processor: id };
    const log = env.logger.child({ kind: 'processor', name: id });
    const send = (key: string, trigger: 'size' | 'timeout' | 'shutdown') => {
      const p = pending.get(key);
      if (!p || p.count === 0) return;
      pending.delete(key);
      if (p.timer) clearTimeout(p.timer);
      if (trigger === 'size') env.telemetry.batchSizeTrigger.inc(labels);
      else if (trigger === 'timeout') env.telemetry.batchTimeoutTrigger.inc(labels);
      const whole = requestOf(signal, p.groups);
      const parts = cfg.send_batch_max_size > 0 && p.count > cfg.send_batch_max_size ? splitRequest(whole, cfg.send_batch_max_size) : [whole];
      for (const part of parts) {
        const n = parts.length === 1 ? p.count : countItems(part);
        env.telemetry.batchSendSize.observe(labels, n);
        const done = next
          .consume(part, p.client)
          .catch((e: unknown) => {
            env.telemetry.processorDropped[signal].inc(labels, n);
            log.warn({ err: (e as Error).message, dropped_items: n }, 'Sender failed');
          })
          .finally(() => inFlight.delete(done));
        inFlight.add(done);
      }
    };
    const keyOf = (client: ClientContext) => (cfg.metadata_keys.length === 0 ? '' : cfg.metadata_keys.map((k) => String(client.metadata?.[k.toLowerCase()] ?? '')).join('\u0000'));
    return {
      mutates: true,
      async consume(data, client) {
        const n = countItems(data);
        if (n === 0) return;
        const key = keyOf(client);
        let p = pending.get(key);
        if (!p) {
          if (pending.size >= cfg.metadata_cardinality_limit && cfg.metadata_keys.length > 0) throw new Error('too many batcher metadata-value combinations');
          p = { groups: [], count: 0, client: cfg.metadata_keys.length > 0 ? client : {} };
          pending.set(key, p);
        }
        for (const g of groupsOf(data)) p.groups.push(g);
        p.count += n;
        if (cfg.send_batch_size > 0 && p.count >= cfg.send_batch_size) send(key, 'size');
        else if (!p.timer && cfg.timeout > 0) {
          p.timer = setTimeout(() => send(key, 'timeout'), cfg.timeout);
        } else if (cfg.timeout === 0) send(key, 'size');
      },
      async shutdown() {
        for (const key of [...pending.keys()]) send(key, 'shutdown');
        await Promise.allSettled([...inFlight]);
      },
    };
  },
};

import { existsSync, rmSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import Long from 'long';
import * as z from 'zod';
import { AgentMetrics, FileReader, PathGlob, Positions, type LogEntry } from '../../agent/index.js';
import type { AnyValue, KeyValue, LogRecord } from '../../otlp/index.js';
import { Registry } from '../../server/index.js';
import type { ReceiverFactory } from '../components.js';
import { goDurationMs } from '../config/go-duration.js';
import { toAnyValue } from '../pipeline/otlp-data.js';
import { compileOperators, operatorSchema, type StanzaEntry } from './filelog-operators.js';

const schema = z
  .strictObject({
    include: z.array(z.string()).min(1, 'include: must specify at least one path'),
    exclude: z.array(z.string()).default([]),
    start_at: z.enum(['beginning', 'end']).default('end'),
    poll_interval: goDurationMs.default(200),
    include_file_name: z.boolean().default(true),
    include_file_path: z.boolean().default(false),
    include_file_name_resolved: z.boolean().default(false),
    include_file_path_resolved: z.boolean().default(false),
    encoding: z.enum(['utf-8', 'utf8', 'nop']).default('utf-8'),
    max_log_size: z.union([z.number(), z.string()]).default(1024 * 1024),
    max_concurrent_files: z.number().int().positive().default(1024),
    storage: z.string().optional(),
    attributes: z.record(z.string(), z.unknown()).default({}),
    resource: z.record(z.string(), z.unknown()).default({}),
    operators: z.array(operatorSchema).default([]),
  })
  .superRefine((c, ctx) => {
    try {
      compileOperators(c.operators);
    } catch (e) {
      ctx.addIssue({ code: 'custom', path: ['operators'], message: (e as Error).message });
    }
  });

function sizeBytes(v: number | string): number {
  if (typeof v === 'number') return v;
  const m = /^(\d+(?:\.\d+)?)\s*([KMG]i?B)?$/i.exec(v.trim());
  if (!m) return 1024 * 1024;
  const unit = (m[2] ?? '').toUpperCase();
  return Number(m[1]) * (unit.startsWith('K') ? 1024 : unit.startsWith('M') ? 1024 ** 2 : unit.startsWith('G') ? 1024 ** 3 : 1);
}

/** A JS value (parsed JSON, regex captures) as an OTLP AnyValue: maps, arrays, strings, numbers, booleans. */
function jsToAnyValue(v: unknown): AnyValue {
  if (Array.isArray(v)) return { arrayValue: { values: v.map(jsToAnyValue) }, value: 'arrayValue' };
  if (typeof v === 'object' && v !== null) return { kvlistValue: { values: Object.entries(v).map(([key, x]) => ({ key, value: jsToAnyValue(x) })) }, value: 'kvlistValue' };
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return toAnyValue(v);
  return {};
}
const toKvs = (o: Record<string, unknown>): KeyValue[] => Object.entries(o).map(([key, v]) => ({ key, value: jsToAnyValue(v) }));

interface Pending {
  record: LogRecord;
  resource: Record<string, unknown>;
  held: StanzaEntry['held'];
}

const nanos = (t: { ms: number; ns: number }) => Long.fromNumber(t.ms, true).multiply(1_000_000).add(t.ns);

/**
 * `filelog`: tails the files matching `include` (minus `exclude`) with the log agent's reader (rotation, truncation,
 * offsets kept in the `storage` extension's directory), files present at start read from their end unless
 * `start_at: beginning`; each line a log record (`log.file.name`), then the `operators` (regex_parser, json_parser,
 * move, copy, add, remove). A line's offset is committed once the logs pipeline accepted it.
 */
export const filelogReceiverFactory: ReceiverFactory<typeof schema> = {
  type: 'filelog',
  signals: ['logs'],
  schema,
  create(id, cfg, next, env) {
    const log = env.logger.child({ kind: 'receiver', name: id });
    const labels = { receiver: id, transport: '' };
    const includes = cfg.include.map((p) => new PathGlob(p));
    const excludes = cfg.exclude.map((p) => new PathGlob(p));
    const readers = new Map<string, FileReader>();
    const metrics = new AgentMetrics(new Registry());
    const safeId = id.replace(/[^a-zA-Z0-9_.-]/g, '_');
    let positions: Positions | undefined;
    let timer: NodeJS.Timeout | undefined;
    let firstSync = true;
    let batch: Pending[] = [];
    let inflight: Promise<void> | undefined;
    let flushTimer: NodeJS.Timeout | undefined;

    const send = async (items: Pending[]) => {
      const byResource = new Map<string, { resource: Record<string, unknown>; records: LogRecord[] }>();
      for (const p of items) {
        const k = JSON.stringify(p.resource);
        const g = byResource.get(k) ?? { resource: p.resource, records: [] };
        g.records.push(p.record);
        byResource.set(k, g);
      }
      const req = { resourceLogs: [...byResource.values()].map((g) => ({ resource: { attributes: toKvs(g.resource) }, scopeLogs: [{ scope: {}, logRecords: g.records }] })) };
      // Retry until the pipeline takes the lines (the reader waits meanwhile): nothing read is dropped.
      for (let attempt = 0; ; attempt++) {
        try {
          await next.logs!.consume({ signal: 'logs', req }, {});
          env.telemetry.receiverAccepted.logs.inc(labels, items.length);
          break;
        } catch (e) {
          env.telemetry.receiverRefused.logs.inc(labels, items.length);
          if (!positions) return; // shutting down: the offsets stay where they were
          log.warn({ err: e, attempt }, 'logs refused by the pipeline; retrying');
          await new Promise((res) => setTimeout(res, Math.min(5000, 100 * 2 ** attempt)));
        }
      }
      for (const p of items) for (const h of p.held) h.release();
    };
    const flush = () => {
      clearTimeout(flushTimer);
      flushTimer = undefined;
      if (batch.length === 0 || inflight) return;
      const items = batch;
      batch = [];
      inflight = send(items).finally(() => {
        inflight = undefined;
        if (batch.length > 0) flush();
      });
    };
    const operators = compileOperators(
      cfg.operators,
      (entry) => {
        const record: LogRecord = {
          observedTimeUnixNano: nanos({ ms: Date.now(), ns: 0 }),
          body: entry.body === undefined ? null : jsToAnyValue(entry.body),
          attributes: toKvs(entry.attributes),
        };
        if (entry.timestamp) record.timeUnixNano = nanos(entry.timestamp);
        if (entry.severity) record.severityNumber = entry.severity;
        if (entry.severityText !== undefined) record.severityText = entry.severityText;
        batch.push({ record, resource: entry.resource, held: entry.held });
        if (batch.length >= 1000) flush();
        else flushTimer ??= setTimeout(flush, 100);
      },
      (entry) => {
        for (const h of entry.held) h.release();
      },
    );
    const handle = (e: LogEntry) => {
      const path = e.labels.filename;
      const attributes: Record<string, unknown> = { ...cfg.attributes };
      if (cfg.include_file_name) attributes['log.file.name'] = basename(path);
      if (cfg.include_file_path) attributes['log.file.path'] = path;
      operators.process({ body: e.line, attributes, resource: { ...cfg.resource }, held: e.ticket ? [e.ticket] : [] });
    };
    const ready = () => (batch.length >= 5000 && inflight ? inflight : undefined);

    const sync = () => {
      const found = new Set<string>();
      for (const g of includes) for (const p of g.expand()) if (!excludes.some((x) => x.match(p))) found.add(p);
      for (const path of found) {
        if (readers.has(path) || readers.size >= cfg.max_concurrent_files) continue;
        if (firstSync && cfg.start_at === 'end' && !positions!.has(path)) {
          const st = statSync(path, { throwIfNoEntry: false });
          if (st) positions!.put(path, st.size, { dev: st.dev, ino: st.ino });
        }
        const r: FileReader = new FileReader({
          path,
          labels: { filename: path },
          positions: positions!,
          handle,
          ready,
          pollMs: cfg.poll_interval,
          maxLineBytes: sizeBytes(cfg.max_log_size),
          truncateLongLines: true,
          metrics,
          logger: log,
          onFinished: () => {
            if (readers.get(path) === r) readers.delete(path);
          },
        });
        readers.set(path, r);
        r.start();
      }
      firstSync = false;
    };

    return {
      start() {
        const storage = cfg.storage ? env.storage(cfg.storage) : undefined;
        if (cfg.storage && !storage) throw new Error(`receivers.${id}.storage: storage extension ${JSON.stringify(cfg.storage)} is not configured`);
        const file = storage ? join(storage.directoryFor('receiver', id, 'logs'), 'offsets.yaml') : join(env.dataDir, `otelcol-filelog-${safeId}-offsets.yaml`);
        // Without a storage extension the Collector keeps offsets in memory only: a restart starts over.
        if (!storage && existsSync(file)) rmSync(file);
        positions = new Positions({ filename: file, ignoreInvalidYaml: true, minWriteIntervalMs: 1000, onError: (err) => log.warn({ err }, 'cannot write offsets') });
        sync();
        timer = setInterval(() => {
          sync();
          operators.flush(Date.now());
        }, Math.max(50, cfg.poll_interval));
        timer.unref();
        return Promise.resolve();
      },
      async shutdown() {
        clearInterval(timer);
        operators.flush(Number.POSITIVE_INFINITY);
        flush();
        await inflight;
        await Promise.all([...readers.values()].map((r) => r.stop()));
        readers.clear();
        const p = positions;
        positions = undefined;
        await p?.close();
      },
    };
  },
};

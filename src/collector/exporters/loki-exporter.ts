import { gzipSync } from 'node:zlib';
import * as z from 'zod';
import { fetchWithTls, anyValueToJs, anyValueToJson, bytesToHex, int64ToBigInt, type ExportLogsServiceRequest, type KeyValue } from '../../otlp/index.js';
import type { ExporterFactory } from '../components.js';
import { ExportError, httpStatusError } from './export-error.js';
import { QueuedExporter, exporterHelperShape, itemData } from './exporter-helper.js';
import { authSetting, headersSetting, tlsSettings } from './common-settings.js';
import { clientTlsOptions, exporterAuthHeaders } from '../transport-security.js';

const schema = z.strictObject({
  endpoint: z.url(),
  headers: headersSetting,
  tls: tlsSettings,
  auth: authSetting,
  compression: z.enum(['gzip', 'none', '']).default('none'),
  default_labels_enabled: z.record(z.string(), z.boolean()).nullish().transform((v) => v ?? {}),
  ...exporterHelperShape,
});

interface PushStream {
  stream: Record<string, string>;
  values: [string, string][];
}

const labelName = (k: string) => k.replace(/[^a-zA-Z0-9_]/g, '_');
const attrString = (attrs: KeyValue[] | undefined, key: string): string | undefined => {
  const kv = attrs?.find((a) => a.key === key);
  const v = kv ? anyValueToJs(kv.value) : undefined;
  return v === undefined ? undefined : String(v);
};
const hintList = (attrs: KeyValue[] | undefined, key: string) => (attrString(attrs, key) ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
const attrsObject = (attrs: KeyValue[] | undefined, skip: Set<string>): Record<string, unknown> | undefined => {
  const o: Record<string, unknown> = {};
  let n = 0;
  for (const a of attrs ?? []) {
    if (skip.has(a.key)) continue;
    o[a.key] = anyValueToJson(a.value);
    n++;
  }
  return n === 0 ? undefined : o;
};

/**
 * The contrib `loki` exporter's translation: labels `exporter="OTLP"`, `job` (`service.namespace/service.name`),
 * `instance` (`service.instance.id`), `level` (severity), plus the attributes named by the hints
 * `loki.resource.labels` / `loki.attribute.labels` (dots become underscores); the line is `loki.format` (`json`
 * by default: body, attributes, resources, trace and span ids; `raw`: the body; `logfmt`).
 */
export function otlpLogsToLokiPush(req: ExportLogsServiceRequest, defaults: Record<string, boolean> = {}): { streams: PushStream[]; records: number } {
  const streams = new Map<string, PushStream>();
  let records = 0;
  const enabled = (l: string) => defaults[l] ?? true;
  for (const rl of req.resourceLogs ?? []) {
    const rattrs = rl.resource?.attributes ?? [];
    const resHints = hintList(rattrs, 'loki.resource.labels');
    const base: Record<string, string> = {};
    if (enabled('exporter')) base.exporter = 'OTLP';
    const svc = attrString(rattrs, 'service.name');
    const ns = attrString(rattrs, 'service.namespace');
    if (enabled('job') && svc) base.job = ns ? `${ns}/${svc}` : svc;
    const inst = attrString(rattrs, 'service.instance.id');
    if (enabled('instance') && inst) base.instance = inst;
    for (const h of resHints) {
      const v = attrString(rattrs, h);
      if (v !== undefined) base[labelName(h)] = v;
    }
    const resSkip = new Set(['loki.resource.labels', 'loki.attribute.labels', 'loki.format', 'loki.tenant', ...resHints]);
    for (const sl of rl.scopeLogs ?? []) {
      for (const lr of sl.logRecords ?? []) {
        records++;
        const labels = { ...base };
        const attrHints = [...hintList(lr.attributes, 'loki.attribute.labels'), ...hintList(rattrs, 'loki.attribute.labels')];
        for (const h of attrHints) {
          const v = attrString(lr.attributes, h);
          if (v !== undefined) labels[labelName(h)] = v;
        }
        if (enabled('level') && lr.severityText) labels.level = lr.severityText.toLowerCase();
        const format = attrString(lr.attributes, 'loki.format') ?? attrString(rattrs, 'loki.format') ?? 'json';
        const skip = new Set(['loki.attribute.labels', 'loki.format', ...attrHints]);
        const body = lr.body ? anyValueToJson(lr.body) : undefined;
        let line: string;
        if (format === 'raw') line = typeof body === 'string' ? body : JSON.stringify(body ?? '');
        else if (format === 'logfmt') {
          const parts: string[] = [];
          if (body !== undefined) parts.push(`msg=${JSON.stringify(typeof body === 'string' ? body : JSON.stringify(body))}`);
          for (const [k, v] of Object.entries(attrsObject(lr.attributes, skip) ?? {})) parts.push(`attribute_${k}=${JSON.stringify(String(v))}`);
          const tid = bytesToHex(lr.traceId);
          if (tid) parts.push(`traceID=${tid}`);
          line = parts.join(' ');
        } else {
          const rec: Record<string, unknown> = {};
          if (body !== undefined) rec.body = body;
          const a = attrsObject(lr.attributes, skip);
          if (a) rec.attributes = a;
          const r = attrsObject(rattrs, resSkip);
          if (r) rec.resources = r;
          const tid = bytesToHex(lr.traceId);
          const sid = bytesToHex(lr.spanId);
          if (tid) rec.traceid = tid;
          if (sid) rec.spanid = sid;
          if (lr.severityText) rec.severity = lr.severityText;
          if (sl.scope?.name) rec.instrumentation_scope = { name: sl.scope.name, ...(sl.scope.version ? { version: sl.scope.version } : {}) };
          line = JSON.stringify(rec);
        }
        let ts = int64ToBigInt(lr.timeUnixNano);
        if (ts === 0n) ts = int64ToBigInt(lr.observedTimeUnixNano);
        if (ts === 0n) ts = BigInt(Date.now()) * 1_000_000n;
        const key = JSON.stringify(Object.entries(labels).sort());
        let s = streams.get(key);
        if (!s) streams.set(key, (s = { stream: labels, values: [] }));
        s.values.push([String(ts), line]);
      }
    }
  }
  return { streams: [...streams.values()], records };
}

/** `loki`: Loki push API (JSON) with the contrib exporter's labels; 429 and 5xx are retried, other 4xx dropped. */
export const lokiExporterFactory: ExporterFactory<typeof schema> = {
  type: 'loki',
  signals: ['logs'],
  schema,
  create(id, cfg, env) {
    const tls = clientTlsOptions(cfg.tls);
    const authHeaders = exporterAuthHeaders(env, cfg.auth);
    return new QueuedExporter(
      id,
      cfg,
      async (item, signal) => {
        const data = itemData(item);
        if (data.signal !== 'logs') throw new ExportError(`exporter ${id} exports logs only`, true);
        const { streams } = otlpLogsToLokiPush(data.req, cfg.default_labels_enabled);
        let body: Uint8Array = Buffer.from(JSON.stringify({ streams }));
        const headers: Record<string, string> = { ...cfg.headers, ...authHeaders(), 'content-type': 'application/json' };
        if (cfg.compression === 'gzip') {
          body = gzipSync(body);
          headers['content-encoding'] = 'gzip';
        }
        let res: Response;
        try {
          res = await fetchWithTls(cfg.endpoint, { method: 'POST', headers, body, signal }, tls);
        } catch (e) {
          throw new ExportError(`sending to ${cfg.endpoint} failed: ${(e as Error).message}`, false);
        }
        const text = await res.text().catch(() => '');
        if (res.ok) return;
        const e = httpStatusError(cfg.endpoint, res.status, text, res.headers.get('retry-after'));
        // Loki's 5xx (e.g. 500 from an ingester) are transient too.
        throw res.status >= 500 ? new ExportError(e.message, false, e.retryAfterMs) : e;
      },
      env,
    );
  },
};

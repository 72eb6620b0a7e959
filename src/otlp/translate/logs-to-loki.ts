import { Labels } from '../../model/index.js';
import { anyValueToJs, anyValueToJson, bytesToHex, int64ToBigInt, stringAttr } from '../proto/codec.js';
import type { ExportLogsServiceRequest, KeyValue } from '../proto/types.js';

/** One log line for the log store: nanosecond timestamp, the line, and Loki's structured metadata. */
export interface LogEntryPush {
  timestampNs: bigint;
  line: string;
  structuredMetadata: [string, string][];
}

export interface LogStreamPush {
  labels: Labels;
  entries: LogEntryPush[];
}

/**
 * Where OTLP logs go: the log store's push path (validation, tenant limits, WAL). It resolves once the entries are
 * durable; it throws `HttpError` (400/429/503) to refuse them.
 */
export interface LogsPushTarget {
  push(tenant: string, streams: LogStreamPush[]): Promise<{ rejected: number; message: string } | void>;
}

/**
 * Resource attributes Loki indexes as stream labels by default when it ingests OTLP (`distributor.otlp_config`
 * defaults); every other resource attribute, the scope and the log attributes become structured metadata.
 */
export const DEFAULT_INDEX_LABELS: readonly string[] = [
  'service.name',
  'service.namespace',
  'service.instance.id',
  'deployment.environment',
  'deployment.environment.name',
  'cloud.region',
  'cloud.availability_zone',
  'k8s.cluster.name',
  'k8s.namespace.name',
  'k8s.pod.name',
  'k8s.container.name',
  'container.name',
  'k8s.replicaset.name',
  'k8s.deployment.name',
  'k8s.statefulset.name',
  'k8s.daemonset.name',
  'k8s.cronjob.name',
  'k8s.job.name',
];

/** Loki's attribute-name normalisation: anything that is not a Prometheus label character becomes `_`. */
export function lokiLabelName(key: string): string {
  let out = key.replace(/[^a-zA-Z0-9_]/g, '_');
  if (/^\d/.test(out)) out = '_' + out;
  return out;
}

function addAttrs(out: [string, string][], attrs: KeyValue[] | undefined, prefix = '', skip?: ReadonlySet<string>): void {
  for (const kv of attrs ?? []) {
    if (skip?.has(kv.key)) continue;
    const v = anyValueToJs(kv.value);
    if (v === undefined || v === '') continue;
    out.push([prefix + lokiLabelName(kv.key), String(v)]);
  }
}

/** OTLP logs → Loki streams, as Loki's OTLP endpoint maps them. */
export function otlpLogsToLokiStreams(req: ExportLogsServiceRequest, indexLabels: readonly string[] = DEFAULT_INDEX_LABELS): { streams: LogStreamPush[]; records: number } {
  const index = new Set(indexLabels);
  const byKey = new Map<string, LogStreamPush>();
  let records = 0;
  for (const rl of req.resourceLogs ?? []) {
    const rattrs = rl.resource?.attributes ?? [];
    const labelObj: Record<string, string> = {};
    for (const kv of rattrs) {
      if (!index.has(kv.key)) continue;
      const v = anyValueToJs(kv.value);
      if (v !== undefined && v !== '') labelObj[lokiLabelName(kv.key)] = String(v);
    }
    if (stringAttr(rattrs, 'service.name') === undefined) labelObj.service_name = 'unknown_service';
    const labels = Labels.fromObject(labelObj);
    let stream = byKey.get(labels.key());
    if (!stream) {
      stream = { labels, entries: [] };
      byKey.set(labels.key(), stream);
    }
    const resourceMeta: [string, string][] = [];
    addAttrs(resourceMeta, rattrs, '', index);

    for (const sl of rl.scopeLogs ?? []) {
      const scopeMeta: [string, string][] = [];
      if (sl.scope?.name) scopeMeta.push(['scope_name', sl.scope.name]);
      if (sl.scope?.version) scopeMeta.push(['scope_version', sl.scope.version]);
      addAttrs(scopeMeta, sl.scope?.attributes);
      for (const lr of sl.logRecords ?? []) {
        records++;
        let ts = int64ToBigInt(lr.timeUnixNano);
        if (ts === 0n) ts = int64ToBigInt(lr.observedTimeUnixNano);
        const body = lr.body;
        const line = !body ? '' : body.value === 'stringValue' ? (body.stringValue ?? '') : JSON.stringify(anyValueToJson(body));
        const meta: [string, string][] = [...resourceMeta, ...scopeMeta];
        addAttrs(meta, lr.attributes);
        const traceId = bytesToHex(lr.traceId);
        const spanId = bytesToHex(lr.spanId);
        if (traceId !== '') meta.push(['trace_id', traceId]);
        if (spanId !== '') meta.push(['span_id', spanId]);
        if (lr.severityText) meta.push(['severity_text', lr.severityText]);
        if (lr.severityNumber) meta.push(['severity_number', String(lr.severityNumber)]);
        if (lr.flags) meta.push(['flags', String(lr.flags)]);
        if (lr.eventName) meta.push(['event_name', lr.eventName]);
        stream.entries.push({ timestampNs: ts, line, structuredMetadata: meta });
      }
    }
  }
  return { streams: [...byKey.values()].filter((s) => s.entries.length > 0), records };
}

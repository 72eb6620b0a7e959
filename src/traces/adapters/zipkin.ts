import Long from 'long';
import { hexToBytes } from '../../otlp/index.js';
import type { KeyValue, ResourceSpans, Span } from '../../otlp/index.js';

/** Zipkin v2 JSON input that cannot be translated: 400. */
export class ZipkinDecodeError extends Error {
  override name = 'ZipkinDecodeError';
}

interface ZipkinEndpoint {
  serviceName?: string;
  ipv4?: string;
  ipv6?: string;
  port?: number;
}

interface ZipkinSpan {
  traceId?: unknown;
  id?: unknown;
  parentId?: unknown;
  name?: unknown;
  kind?: unknown;
  timestamp?: unknown;
  duration?: unknown;
  localEndpoint?: ZipkinEndpoint | null;
  remoteEndpoint?: ZipkinEndpoint | null;
  tags?: Record<string, unknown> | null;
  annotations?: { timestamp?: number; value?: string }[] | null;
}

const KIND: Record<string, number> = { SERVER: 2, CLIENT: 3, PRODUCER: 4, CONSUMER: 5 };

function hexId(v: unknown, len: number, what: string): Buffer {
  if (typeof v !== 'string' || v.length === 0 || v.length > len) throw new ZipkinDecodeError(`invalid ${what}: ${JSON.stringify(v)}`);
  return hexToBytes(v.padStart(len, '0').toLowerCase(), what);
}

function micros(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? Math.floor(v) : 0;
}

const microsToNanos = (us: number) => Long.fromNumber(us, true).multiply(1000);
const str = (key: string, value: string): KeyValue => ({ key, value: { value: 'stringValue', stringValue: value } });

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** A span's nested fields have the types Zipkin's JSON schema gives them, or the request is a 400 naming the field. */
function checkShape(raw: ZipkinSpan): void {
  for (const f of ['tags', 'localEndpoint', 'remoteEndpoint'] as const) {
    const v: unknown = raw[f];
    if (v !== undefined && v !== null && !isObject(v)) throw new ZipkinDecodeError(`invalid ${f}: expected an object`);
  }
  const a: unknown = raw.annotations;
  if (a === undefined || a === null) return;
  if (!Array.isArray(a)) throw new ZipkinDecodeError('invalid annotations: expected an array');
  for (const x of a) if (!isObject(x)) throw new ZipkinDecodeError('invalid annotations: expected an array of objects');
}

/**
 * Zipkin v2 JSON spans (`POST /api/v2/spans`) → OTLP resource spans, as the Collector's zipkin receiver maps them:
 * `localEndpoint.serviceName` → `service.name`, kinds, tags → attributes, the `error` tag → error status,
 * annotations → events, the remote endpoint → `peer.service` / `net.peer.ip` / `net.peer.port`.
 */
export function zipkinToOtlp(body: unknown): ResourceSpans[] {
  if (!Array.isArray(body)) throw new ZipkinDecodeError('expected a JSON array of spans');
  const byService = new Map<string, Span[]>();
  for (const raw of body as ZipkinSpan[]) {
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new ZipkinDecodeError('expected a span object');
    checkShape(raw);
    const start = micros(raw.timestamp);
    const dur = micros(raw.duration);
    const attributes: KeyValue[] = [];
    let status: Span['status'] = null;
    for (const [k, v] of Object.entries(raw.tags ?? {})) {
      const s = String(v);
      if (k === 'error') status = { code: 2, message: s === 'true' ? '' : s };
      else attributes.push(str(k, s));
    }
    const re = raw.remoteEndpoint;
    if (re?.serviceName) attributes.push(str('peer.service', re.serviceName));
    if (re?.ipv4 || re?.ipv6) attributes.push(str('net.peer.ip', (re.ipv4 ?? re.ipv6)!));
    if (re?.port) attributes.push({ key: 'net.peer.port', value: { value: 'intValue', intValue: re.port } });
    const span: Span = {
      traceId: hexId(raw.traceId, 32, 'trace ID'),
      spanId: hexId(raw.id, 16, 'span ID'),
      parentSpanId: raw.parentId === undefined || raw.parentId === null ? Buffer.alloc(0) : hexId(raw.parentId, 16, 'parent ID'),
      name: typeof raw.name === 'string' ? raw.name : '',
      kind: typeof raw.kind === 'string' ? (KIND[raw.kind] ?? 1) : 1,
      startTimeUnixNano: microsToNanos(start),
      endTimeUnixNano: microsToNanos(start + dur),
      attributes,
      events: (raw.annotations ?? []).map((a) => ({ timeUnixNano: microsToNanos(micros(a.timestamp)), name: String(a.value ?? ''), attributes: [] })),
      status,
    };
    const service = raw.localEndpoint?.serviceName ?? '';
    let list = byService.get(service);
    if (!list) byService.set(service, (list = []));
    list.push(span);
  }
  return [...byService].map(([service, spans]) => ({
    resource: { attributes: service ? [str('service.name', service)] : [] },
    scopeSpans: [{ scope: { name: 'zipkin' }, spans }],
  }));
}

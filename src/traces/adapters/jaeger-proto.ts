import Long from 'long';
import type { KeyValue, ResourceSpans, Span } from '../../otlp/index.js';
import { WireReader } from '../../lib/protobuf/index.js';
import { jaegerResourceSpans, jaegerSpanToOtlp, jaegerTag, type JaegerProcess, type JaegerSpan, type JaegerTagValue } from './jaeger-model.js';

/** A `jaeger.api_v2` protobuf message that cannot be decoded: INVALID_ARGUMENT. */
export class JaegerProtoDecodeError extends Error {
  override name = 'JaegerProtoDecodeError';
}

const fail = (what: string, pos: number) => new JaegerProtoDecodeError(`unable to unmarshal PostSpansRequest: ${what} at offset ${pos}`);

/*
 * jaeger.api_v2 (model.proto, collector.proto), the field numbers read here:
 *   PostSpansRequest { Batch batch = 1 }
 *   Batch    { repeated Span spans = 1; Process process = 2 }
 *   Process  { string service_name = 1; repeated KeyValue tags = 2 }
 *   Span     { bytes trace_id = 1; bytes span_id = 2; string operation_name = 3; repeated SpanRef references = 4;
 *              uint32 flags = 5; Timestamp start_time = 6; Duration duration = 7; repeated KeyValue tags = 8;
 *              repeated Log logs = 9; Process process = 10; string process_id = 11; repeated string warnings = 12 }
 *   SpanRef  { bytes trace_id = 1; bytes span_id = 2; SpanRefType ref_type = 3 (CHILD_OF = 0, FOLLOWS_FROM = 1) }
 *   Log      { Timestamp timestamp = 1; repeated KeyValue fields = 2 }
 *   KeyValue { string key = 1; ValueType v_type = 2 (STRING, BOOL, INT64, FLOAT64, BINARY); string v_str = 3;
 *              bool v_bool = 4; int64 v_int64 = 5; double v_float64 = 6; bytes v_binary = 7 }
 *   google.protobuf.Timestamp / Duration { int64 seconds = 1; int32 nanos = 2 }
 */

/** The `PostSpansRequest` of `jaeger.api_v2.CollectorService/PostSpans` → OTLP resource spans, one resource per process. */
export function jaegerPostSpansToOtlp(buf: Uint8Array): ResourceSpans[] {
  const r = WireReader.of(buf, fail);
  let batch: { spans: { span: JaegerSpan; process?: JaegerProcess }[]; process?: JaegerProcess } = { spans: [] };
  while (!r.done()) {
    const tag = r.uint32();
    if (tag === ((1 << 3) | 2)) batch = decodeBatch(r.sub());
    else r.skip(tag & 7);
  }
  // Spans without their own process belong to the batch's.
  const byProcess = new Map<JaegerProcess, Span[]>();
  const batchProcess = batch.process ?? { serviceName: '', tags: [] };
  for (const { span, process } of batch.spans) {
    const p = process ?? batchProcess;
    let list = byProcess.get(p);
    if (!list) byProcess.set(p, (list = []));
    list.push(jaegerSpanToOtlp(span));
  }
  return [...byProcess].map(([p, spans]) => jaegerResourceSpans(p, spans));
}

function decodeBatch(r: WireReader): { spans: { span: JaegerSpan; process?: JaegerProcess }[]; process?: JaegerProcess } {
  const out: { spans: { span: JaegerSpan; process?: JaegerProcess }[]; process?: JaegerProcess } = { spans: [] };
  while (!r.done()) {
    const tag = r.uint32();
    if (tag === ((1 << 3) | 2)) out.spans.push(decodeSpan(r.sub()));
    else if (tag === ((2 << 3) | 2)) out.process = decodeProcess(r.sub());
    else r.skip(tag & 7);
  }
  return out;
}

function decodeProcess(r: WireReader): JaegerProcess {
  const p: JaegerProcess = { serviceName: '', tags: [] };
  while (!r.done()) {
    const tag = r.uint32();
    if (tag === ((1 << 3) | 2)) p.serviceName = r.string();
    else if (tag === ((2 << 3) | 2)) p.tags.push(decodeKeyValue(r.sub()));
    else r.skip(tag & 7);
  }
  return p;
}

/** A Timestamp or Duration as unsigned nanoseconds. */
function decodeNanos(r: WireReader): Long {
  let seconds = 0;
  let nanos = 0;
  while (!r.done()) {
    const tag = r.uint32();
    if (tag === 1 << 3) seconds = r.int64();
    else if (tag === 2 << 3) nanos = r.uint32() | 0;
    else r.skip(tag & 7);
  }
  return Long.fromNumber(seconds, true).multiply(1_000_000_000).add(Long.fromNumber(nanos, true));
}

function decodeSpan(r: WireReader): { span: JaegerSpan; process?: JaegerProcess } {
  const s: JaegerSpan = { traceId: Buffer.alloc(16), spanId: Buffer.alloc(8), parentSpanId: Buffer.alloc(0), name: '', references: [], flags: 0, startUnixNano: Long.UZERO, endUnixNano: Long.UZERO, tags: [], logs: [] };
  let duration = Long.UZERO;
  let process: JaegerProcess | undefined;
  while (!r.done()) {
    const tag = r.uint32();
    switch (tag) {
      case (1 << 3) | 2:
        s.traceId = r.bytes();
        break;
      case (2 << 3) | 2:
        s.spanId = r.bytes();
        break;
      case (3 << 3) | 2:
        s.name = r.string();
        break;
      case (4 << 3) | 2: {
        const ref = r.sub();
        const out: JaegerSpan['references'][number] = { traceId: Buffer.alloc(16), spanId: Buffer.alloc(8), followsFrom: false };
        while (!ref.done()) {
          const t = ref.uint32();
          if (t === ((1 << 3) | 2)) out.traceId = ref.bytes();
          else if (t === ((2 << 3) | 2)) out.spanId = ref.bytes();
          else if (t === 3 << 3) out.followsFrom = ref.uint32() === 1;
          else ref.skip(t & 7);
        }
        s.references.push(out);
        break;
      }
      case 5 << 3:
        s.flags = r.uint32();
        break;
      case (6 << 3) | 2:
        s.startUnixNano = decodeNanos(r.sub());
        break;
      case (7 << 3) | 2:
        duration = decodeNanos(r.sub());
        break;
      case (8 << 3) | 2:
        s.tags.push(decodeKeyValue(r.sub()));
        break;
      case (9 << 3) | 2: {
        const l = r.sub();
        const log = { timeUnixNano: Long.UZERO, fields: [] as KeyValue[] };
        while (!l.done()) {
          const t = l.uint32();
          if (t === ((1 << 3) | 2)) log.timeUnixNano = decodeNanos(l.sub());
          else if (t === ((2 << 3) | 2)) log.fields.push(decodeKeyValue(l.sub()));
          else l.skip(t & 7);
        }
        s.logs.push(log);
        break;
      }
      case (10 << 3) | 2:
        process = decodeProcess(r.sub());
        break;
      default:
        r.skip(tag & 7);
    }
  }
  s.endUnixNano = s.startUnixNano.add(duration);
  return { span: s, process };
}

const PROTO_VALUE_TYPES: JaegerTagValue['type'][] = ['string', 'bool', 'int64', 'float64', 'binary'];

function decodeKeyValue(r: WireReader): KeyValue {
  let key = '';
  const v: JaegerTagValue = { type: 'string', str: '', bool: false, int: 0, dbl: 0, bin: Buffer.alloc(0) };
  while (!r.done()) {
    const tag = r.uint32();
    switch (tag) {
      case (1 << 3) | 2:
        key = r.string();
        break;
      case 2 << 3:
        v.type = PROTO_VALUE_TYPES[r.uint32()] ?? 'string';
        break;
      case (3 << 3) | 2:
        v.str = r.string();
        break;
      case 4 << 3:
        v.bool = r.uint32() !== 0;
        break;
      case 5 << 3:
        v.int = r.int64Long();
        break;
      case (6 << 3) | 1:
        v.dbl = r.double();
        break;
      case (7 << 3) | 2:
        v.bin = r.bytes();
        break;
      default:
        r.skip(tag & 7);
    }
  }
  return jaegerTag(key, v);
}

import type { AnyValue, InstrumentationScope, KeyValue, Resource, ResourceSpans, ScopeSpans, Span, SpanEvent, SpanLink } from './types.js';
import { WireReader } from '../../lib/protobuf/index.js';
import { OtlpDecodeError } from './codec-errors.js';

/**
 * Hand-written decoder of `ExportTraceServiceRequest` / `TracesData` (field 1: repeated ResourceSpans) into the same
 * plain shapes protobufjs produces (camelCase fields, fixed64 as Long, bytes as Buffer views into the input, AnyValue
 * with its oneof discriminator in `value`). Unknown fields are skipped; truncation and bad wire types throw
 * `OtlpDecodeError`.
 */
export function decodeResourceSpansList(buf: Uint8Array): ResourceSpans[] {
  const r = WireReader.of(buf, otlpError);
  const out: ResourceSpans[] = [];
  while (!r.done()) {
    const tag = r.uint32();
    if (tag === ((1 << 3) | 2)) out.push(resourceSpans(r.sub()));
    else r.skip(tag & 7);
  }
  return out;
}

/** Decode one encoded `Span` message (e.g. the `raw` bytes a span arrived with). */
export function decodeSpanBytes(raw: Uint8Array): Span {
  return span(WireReader.of(raw, otlpError));
}

function resourceSpans(r: WireReader): ResourceSpans {
  const rs: ResourceSpans = { resource: null, scopeSpans: [], schemaUrl: '' };
  while (!r.done()) {
    const tag = r.uint32();
    switch (tag) {
      case (1 << 3) | 2:
        rs.resource = resource(r.sub());
        break;
      case (2 << 3) | 2:
        rs.scopeSpans!.push(scopeSpans(r.sub()));
        break;
      case (3 << 3) | 2:
        rs.schemaUrl = r.string();
        break;
      default:
        r.skip(tag & 7);
    }
  }
  return rs;
}

function resource(r: WireReader): Resource {
  const res: Resource = { raw: r.buf.subarray(r.pos, r.end), attributes: [], droppedAttributesCount: 0 };
  while (!r.done()) {
    const tag = r.uint32();
    if (tag === ((1 << 3) | 2)) res.attributes!.push(keyValue(r.sub()));
    else if (tag === 2 << 3) res.droppedAttributesCount = r.uint32();
    else r.skip(tag & 7);
  }
  return res;
}

function scope(r: WireReader): InstrumentationScope {
  const s: InstrumentationScope = { raw: r.buf.subarray(r.pos, r.end), name: '', version: '', attributes: [], droppedAttributesCount: 0 };
  while (!r.done()) {
    const tag = r.uint32();
    switch (tag) {
      case (1 << 3) | 2:
        s.name = r.string();
        break;
      case (2 << 3) | 2:
        s.version = r.string();
        break;
      case (3 << 3) | 2:
        s.attributes!.push(keyValue(r.sub()));
        break;
      case 4 << 3:
        s.droppedAttributesCount = r.uint32();
        break;
      default:
        r.skip(tag & 7);
    }
  }
  return s;
}

function scopeSpans(r: WireReader): ScopeSpans {
  const ss: ScopeSpans = { scope: null, schemaUrl: '' };
  const raws: Uint8Array[] = [];
  while (!r.done()) {
    const tag = r.uint32();
    switch (tag) {
      case (1 << 3) | 2:
        ss.scope = scope(r.sub());
        break;
      case (2 << 3) | 2: {
        const e = r.lengthEnd();
        const start = r.pos;
        checkMessage(r, e, K_SPAN, 0);
        raws.push(r.buf.subarray(start, e));
        break;
      }
      case (3 << 3) | 2:
        ss.schemaUrl = r.string();
        break;
      default:
        r.skip(tag & 7);
    }
  }
  return withLazySpans(ss, raws);
}

/** The encoded spans of a ScopeSpans whose `spans` were never read (so none was changed), else undefined. */
const RAW_SPANS = Symbol('encoded spans, not yet decoded');
type LazyScopeSpans = ScopeSpans & { [RAW_SPANS]?: Uint8Array[] };

/**
 * Spans are checked when the request arrives (a malformed span fails the whole request, as with eager decoding) but
 * built only when something reads `spans`: a pipeline that only counts, batches and forwards them (the Collector's
 * usual `memory_limiter → batch → otlp`) re-sends the bytes they came with and never allocates a span object.
 */
function withLazySpans(ss: ScopeSpans, raws: Uint8Array[]): ScopeSpans {
  const lazy = ss as LazyScopeSpans;
  let spans: Span[] | undefined;
  Object.defineProperty(lazy, RAW_SPANS, { value: raws, writable: true, enumerable: false, configurable: true });
  Object.defineProperty(lazy, 'spans', {
    enumerable: true,
    configurable: true,
    get(): Span[] {
      if (spans === undefined) {
        spans = raws.map(decodeSpanBytes);
        lazy[RAW_SPANS] = undefined;
      }
      return spans;
    },
    set(v: Span[]) {
      spans = v;
      lazy[RAW_SPANS] = undefined;
    },
  });
  return ss;
}

/** The bytes of each span of `ss` as they arrived, when its spans were never read or replaced; else undefined. */
export function undecodedSpans(ss: ScopeSpans): readonly Uint8Array[] | undefined {
  return (ss as LazyScopeSpans)[RAW_SPANS];
}

/** How many spans `ss` holds, without building them. */
export function spanCount(ss: ScopeSpans): number {
  return (ss as LazyScopeSpans)[RAW_SPANS]?.length ?? ss.spans?.length ?? 0;
}

// Message kinds the structural check walks into: exactly the embedded messages the decoder below reads.
const K_SPAN = 0;
const K_EVENT = 1;
const K_LINK = 2;
const K_STATUS = 3;
const K_KEY_VALUE = 4;
const K_ANY_VALUE = 5;
const K_ARRAY = 6;
const K_KV_LIST = 7;
const K_NONE = -1;

/** The kind of the embedded message in field `field` of a `kind` message, or K_NONE for a scalar/bytes field. */
function nestedKind(kind: number, field: number): number {
  switch (kind) {
    case K_SPAN:
      return field === 9 ? K_KEY_VALUE : field === 11 ? K_EVENT : field === 13 ? K_LINK : field === 15 ? K_STATUS : K_NONE;
    case K_EVENT:
      return field === 3 ? K_KEY_VALUE : K_NONE;
    case K_LINK:
      return field === 4 ? K_KEY_VALUE : K_NONE;
    case K_KEY_VALUE:
      return field === 2 ? K_ANY_VALUE : K_NONE;
    case K_ANY_VALUE:
      return field === 5 ? K_ARRAY : field === 6 ? K_KV_LIST : K_NONE;
    case K_ARRAY:
      return field === 1 ? K_ANY_VALUE : K_NONE;
    case K_KV_LIST:
      return field === 1 ? K_KEY_VALUE : K_NONE;
    default:
      return K_NONE;
  }
}

/**
 * Walks the fields of one message in [r.pos, end) without building anything and fails exactly where the decoder
 * would: truncation, invalid wire types, AnyValue nesting deeper than MAX_ANY_VALUE_DEPTH (counted as the decoder
 * counts it: a key-value's value one deeper than the key-value, an array element one deeper than its array).
 */
function checkMessage(r: WireReader, end: number, kind: number, depth: number): void {
  if (kind === K_ANY_VALUE && depth > MAX_ANY_VALUE_DEPTH) r.fail(`AnyValue nested deeper than ${MAX_ANY_VALUE_DEPTH}`);
  while (r.pos < end) {
    const tag = r.uint32(end);
    const nested = (tag & 7) === 2 ? nestedKind(kind, tag >>> 3) : K_NONE;
    if (nested === K_NONE) {
      r.skip(tag & 7, end);
      continue;
    }
    const e = r.lengthEnd(end);
    checkMessage(r, e, nested, nested === K_ANY_VALUE ? depth + 1 : depth);
    r.pos = e;
  }
}

const EMPTY = Buffer.alloc(0);

function span(r: WireReader): Span {
  const s: Span = {
    raw: r.buf.subarray(r.pos, r.end),
    traceId: EMPTY,
    spanId: EMPTY,
    traceState: '',
    parentSpanId: EMPTY,
    flags: 0,
    name: '',
    kind: 0,
    startTimeUnixNano: 0,
    endTimeUnixNano: 0,
    attributes: [],
    droppedAttributesCount: 0,
    events: [],
    droppedEventsCount: 0,
    links: [],
    droppedLinksCount: 0,
    status: null,
  };
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
        s.traceState = r.string();
        break;
      case (4 << 3) | 2:
        s.parentSpanId = r.bytes();
        break;
      case (16 << 3) | 5:
        s.flags = r.fixed32();
        break;
      case (5 << 3) | 2:
        s.name = r.string();
        break;
      case 6 << 3:
        s.kind = r.uint32() | 0;
        break;
      case (7 << 3) | 1:
        s.startTimeUnixNano = r.fixed64();
        break;
      case (8 << 3) | 1:
        s.endTimeUnixNano = r.fixed64();
        break;
      case (9 << 3) | 2:
        s.attributes!.push(keyValue(r.sub()));
        break;
      case 10 << 3:
        s.droppedAttributesCount = r.uint32();
        break;
      case (11 << 3) | 2:
        s.events!.push(event(r.sub()));
        break;
      case 12 << 3:
        s.droppedEventsCount = r.uint32();
        break;
      case (13 << 3) | 2:
        s.links!.push(link(r.sub()));
        break;
      case 14 << 3:
        s.droppedLinksCount = r.uint32();
        break;
      case (15 << 3) | 2: {
        const st = r.sub();
        const status = { message: '', code: 0 };
        while (!st.done()) {
          const t = st.uint32();
          if (t === ((2 << 3) | 2)) status.message = st.string();
          else if (t === 3 << 3) status.code = st.uint32() | 0;
          else st.skip(t & 7);
        }
        s.status = status;
        break;
      }
      default:
        r.skip(tag & 7);
    }
  }
  return s;
}

function event(r: WireReader): SpanEvent {
  const e: SpanEvent = { timeUnixNano: 0, name: '', attributes: [], droppedAttributesCount: 0 };
  while (!r.done()) {
    const tag = r.uint32();
    switch (tag) {
      case (1 << 3) | 1:
        e.timeUnixNano = r.fixed64();
        break;
      case (2 << 3) | 2:
        e.name = r.string();
        break;
      case (3 << 3) | 2:
        e.attributes!.push(keyValue(r.sub()));
        break;
      case 4 << 3:
        e.droppedAttributesCount = r.uint32();
        break;
      default:
        r.skip(tag & 7);
    }
  }
  return e;
}

function link(r: WireReader): SpanLink {
  const l: SpanLink = { traceId: EMPTY, spanId: EMPTY, traceState: '', attributes: [], droppedAttributesCount: 0, flags: 0 };
  while (!r.done()) {
    const tag = r.uint32();
    switch (tag) {
      case (1 << 3) | 2:
        l.traceId = r.bytes();
        break;
      case (2 << 3) | 2:
        l.spanId = r.bytes();
        break;
      case (3 << 3) | 2:
        l.traceState = r.string();
        break;
      case (4 << 3) | 2:
        l.attributes!.push(keyValue(r.sub()));
        break;
      case 5 << 3:
        l.droppedAttributesCount = r.uint32();
        break;
      case (6 << 3) | 5:
        l.flags = r.fixed32();
        break;
      default:
        r.skip(tag & 7);
    }
  }
  return l;
}

/** Deepest AnyValue nesting accepted (arrays and maps inside each other); deeper is a decode error, never a stack overflow. */
export const MAX_ANY_VALUE_DEPTH = 128;

export function keyValue(r: WireReader, depth = 0): KeyValue {
  const kv: KeyValue = { key: '', value: null };
  while (!r.done()) {
    const tag = r.uint32();
    if (tag === ((1 << 3) | 2)) kv.key = r.string();
    else if (tag === ((2 << 3) | 2)) kv.value = anyValue(r.sub(), depth + 1);
    else r.skip(tag & 7);
  }
  return kv;
}

function anyValue(r: WireReader, depth: number): AnyValue {
  if (depth > MAX_ANY_VALUE_DEPTH) r.fail(`AnyValue nested deeper than ${MAX_ANY_VALUE_DEPTH}`);
  let v: AnyValue = {};
  while (!r.done()) {
    const tag = r.uint32();
    switch (tag) {
      case (1 << 3) | 2:
        v = { value: 'stringValue', stringValue: r.string() };
        break;
      case 2 << 3:
        v = { value: 'boolValue', boolValue: r.uint32() !== 0 };
        break;
      case 3 << 3:
        v = { value: 'intValue', intValue: r.int64Long() };
        break;
      case (4 << 3) | 1:
        v = { value: 'doubleValue', doubleValue: r.double() };
        break;
      case (5 << 3) | 2: {
        const a = r.sub();
        const values: AnyValue[] = [];
        while (!a.done()) {
          const t = a.uint32();
          if (t === ((1 << 3) | 2)) values.push(anyValue(a.sub(), depth + 1));
          else a.skip(t & 7);
        }
        v = { value: 'arrayValue', arrayValue: { values } };
        break;
      }
      case (6 << 3) | 2: {
        const a = r.sub();
        const values: KeyValue[] = [];
        while (!a.done()) {
          const t = a.uint32();
          if (t === ((1 << 3) | 2)) values.push(keyValue(a.sub(), depth));
          else a.skip(t & 7);
        }
        v = { value: 'kvlistValue', kvlistValue: { values } };
        break;
      }
      case (7 << 3) | 2:
        v = { value: 'bytesValue', bytesValue: r.bytes() };
        break;
      default:
        r.skip(tag & 7);
    }
  }
  return v;
}

function otlpError(what: string, pos: number): OtlpDecodeError {
  return new OtlpDecodeError(`unable to unmarshal traces request: ${what} at offset ${pos}`);
}

import type { ResourceSpans, ScopeSpans, Span, SpanEvent, SpanLink } from './types.js';
import { WireReader } from '../../lib/protobuf/index.js';
import { EMPTY, K_SPAN, decodeResourceList, itemCount, keyValue, otlpErrorFor, undecodedItems, type ItemLayout } from './otlp-wire.js';

export { MAX_ANY_VALUE_DEPTH, keyValue } from './otlp-wire.js';

const otlpError = otlpErrorFor('traces request');

/**
 * Hand-written decoder of `ExportTraceServiceRequest` / `TracesData` (field 1: repeated ResourceSpans) into the same
 * plain shapes protobufjs produces (camelCase fields, fixed64 as Long, bytes as Buffer views into the input, AnyValue
 * with its oneof discriminator in `value`). Unknown fields are skipped; truncation and bad wire types throw
 * `OtlpDecodeError`. Spans are checked on arrival and built on first read of `ScopeSpans.spans` (see otlp-wire.ts).
 */
export function decodeResourceSpansList(buf: Uint8Array): ResourceSpans[] {
  return decodeResourceList<ResourceSpans>(buf, SPANS, otlpError);
}

/** Decode one encoded `Span` message (e.g. the `raw` bytes a span arrived with). */
export function decodeSpanBytes(raw: Uint8Array): Span {
  return span(WireReader.of(raw, otlpError));
}

const SPANS: ItemLayout<Span> = { groups: 'scopeSpans', items: 'spans', kind: K_SPAN, decode: decodeSpanBytes };

/** The bytes of each span of `ss` as they arrived, when its spans were never read or replaced; else undefined. */
export function undecodedSpans(ss: ScopeSpans): readonly Uint8Array[] | undefined {
  return undecodedItems(ss);
}

/** How many spans `ss` holds, without building them. */
export function spanCount(ss: ScopeSpans): number {
  return itemCount(ss, 'spans');
}

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

import type Long from 'long';
import type { AnyValue, KeyValue, ResourceSpans, ScopeSpans, Span, SpanEvent, SpanLink } from './types.js';
import { WireReader } from '../../lib/protobuf/index.js';
import { findAttr } from '../attribute-values.js';
import { EMPTY, K_SPAN, anyValue, decodeResourceList, itemCount, keyValue, otlpErrorFor, undecodedItems, type ItemLayout } from './otlp-wire.js';

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

/** Decode one encoded attribute `AnyValue` (the value of a span's key-value). */
export function decodeAnyValueBytes(raw: Uint8Array): AnyValue {
  return anyValue(WireReader.of(raw, otlpError), 1);
}

/** Decode one encoded `Span` message (e.g. the `raw` bytes a span arrived with). */
export function decodeSpanBytes(raw: Uint8Array): Span {
  return span(WireReader.of(raw, otlpError));
}

/**
 * A span with its scalar fields decoded and its attributes, events and links left in `raw` until first read (then
 * decoded together, once). A store that keeps span bytes and reads IDs, name, kind, status and times on ingest
 * (the trace store's distributor, head and metrics generator) never builds the attribute objects it does not look
 * at. The three lists are accessors on the prototype: do not spread or JSON-serialise a `SpanHead`.
 */
class SpanHead implements Span {
  traceId: Uint8Array = EMPTY;
  spanId: Uint8Array = EMPTY;
  traceState = '';
  parentSpanId: Uint8Array = EMPTY;
  flags = 0;
  name = '';
  kind = 0;
  startTimeUnixNano: Long | number = 0;
  endTimeUnixNano: Long | number = 0;
  droppedAttributesCount = 0;
  droppedEventsCount = 0;
  droppedLinksCount = 0;
  status: { message: string; code: number } | null = null;
  private rest: Span | undefined;

  constructor(readonly raw: Uint8Array) {}

  private decoded(): Span {
    return (this.rest ??= decodeSpanBytes(this.raw));
  }

  /** The value of the first attribute named `key` that has a value, read from `raw` while the lists are not decoded. */
  attribute(key: string): AnyValue | undefined {
    if (this.rest) return findAttr(key, this.rest.attributes);
    return attributeInBytes(this.raw, keyBytes(key));
  }
  get attributes(): KeyValue[] {
    return this.decoded().attributes!;
  }
  set attributes(v: KeyValue[]) {
    this.decoded().attributes = v;
  }
  get events(): SpanEvent[] {
    return this.decoded().events!;
  }
  set events(v: SpanEvent[]) {
    this.decoded().events = v;
  }
  get links(): SpanLink[] {
    return this.decoded().links!;
  }
  set links(v: SpanLink[]) {
    this.decoded().links = v;
  }
}

/**
 * Steps through the attributes (field 9) of an encoded `Span` without decoding them: after each `next()` that
 * returns true, the key-value's key and value byte ranges in `buf` (value range -1, -1 when it has no value; the
 * last occurrence of a field wins). No object per attribute. The span must be well-formed (checked on arrival).
 */
class SpanAttributeCursor {
  keyStart = 0;
  keyEnd = 0;
  valueStart = -1;
  valueEnd = -1;
  private readonly r: WireReader;

  constructor(raw: Uint8Array) {
    this.r = WireReader.of(raw, otlpError);
  }

  get buf(): Buffer {
    return this.r.buf;
  }

  next(): boolean {
    const r = this.r;
    const end = r.end;
    while (r.pos < end) {
      const tag = r.uint32(end);
      if (tag !== ((9 << 3) | 2)) {
        r.skip(tag & 7, end);
        continue;
      }
      const kvEnd = r.lengthEnd(end);
      this.keyStart = this.keyEnd = 0;
      this.valueStart = this.valueEnd = -1;
      while (r.pos < kvEnd) {
        const t = r.uint32(kvEnd);
        // Positions read in place (no [start, end] pair per field: this runs for every attribute of every span).
        if (t === ((1 << 3) | 2)) {
          this.keyEnd = r.lengthEnd(kvEnd);
          this.keyStart = r.pos;
          r.pos = this.keyEnd;
        } else if (t === ((2 << 3) | 2)) {
          this.valueEnd = r.lengthEnd(kvEnd);
          this.valueStart = r.pos;
          r.pos = this.valueEnd;
        } else r.skip(t & 7, kvEnd);
      }
      r.pos = kvEnd;
      return true;
    }
    return false;
  }
}

/**
 * Walks the attributes (field 9) of an encoded `Span` without decoding them: `visit` gets each key-value's key and
 * value byte ranges in `buf` (value range -1, -1 when it has no value; the last occurrence of a field wins) and
 * returns true to stop. The span must be well-formed (checked on arrival).
 */
export function forEachSpanAttribute(raw: Uint8Array, visit: (buf: Buffer, keyStart: number, keyEnd: number, valStart: number, valEnd: number) => boolean | void): void {
  const c = new SpanAttributeCursor(raw);
  while (c.next()) if (visit(c.buf, c.keyStart, c.keyEnd, c.valueStart, c.valueEnd) === true) return;
}

/**
 * The value of the first attribute of an encoded `Span` whose key is the UTF-8 bytes `want` and that has a value
 * (as `findAttr` on the decoded span), found in the bytes without a callback or an object per attribute: the
 * metrics generator looks up `db.name` this way in client spans. `raw` must be well-formed.
 */
function attributeInBytes(raw: Uint8Array, want: Uint8Array): AnyValue | undefined {
  const c = new SpanAttributeCursor(raw);
  const n = want.length;
  while (c.next())
    if (c.valueStart >= 0 && c.keyEnd - c.keyStart === n && sameBytes(c.buf, c.keyStart, want, n)) return anyValue(new WireReader(c.buf, c.valueStart, c.valueEnd, otlpError), 1);
  return undefined;
}

function sameBytes(buf: Uint8Array, at: number, want: Uint8Array, n: number): boolean {
  for (let i = 0; i < n; i++) if (buf[at + i] !== want[i]) return false;
  return true;
}

const keyCache = new Map<string, Buffer>();
function keyBytes(key: string): Buffer {
  let b = keyCache.get(key);
  if (!b) {
    b = Buffer.from(key);
    if (keyCache.size < 1024) keyCache.set(key, b);
  }
  return b;
}

/**
 * The value of `span`'s first attribute named `key` (as `findAttr`): a `SpanHead` whose attributes were never
 * read finds it in the bytes without decoding the others.
 */
export function spanAttribute(span: Span, key: string): AnyValue | undefined {
  return span instanceof SpanHead ? span.attribute(key) : findAttr(key, span.attributes);
}

/**
 * False when no span of `spans` can have an attribute named by one of `keys`: every span is a `SpanHead` over one
 * buffer and no key's UTF-8 bytes occur in the range the spans cover (one `indexOf` over a request's bytes instead
 * of a walk of every span's attributes). True when one may (then each span has to be looked at). Valid while the
 * bytes are not changed (a span head's bytes never are).
 */
export function spansMayHaveAttribute(spans: readonly Span[], keys: readonly string[]): boolean {
  if (spans.length === 0 || keys.length === 0) return false;
  let buffer: ArrayBufferLike | undefined;
  let lo = Infinity;
  let hi = 0;
  for (const s of spans) {
    if (!(s instanceof SpanHead)) return true;
    const raw = s.raw;
    if (buffer === undefined) buffer = raw.buffer;
    else if (raw.buffer !== buffer) return true;
    if (raw.byteOffset < lo) lo = raw.byteOffset;
    if (raw.byteOffset + raw.length > hi) hi = raw.byteOffset + raw.length;
  }
  const covered = Buffer.from(buffer!, lo, hi - lo);
  for (const k of keys) if (covered.indexOf(keyBytes(k)) >= 0) return true;
  return false;
}

/** Decode one encoded `Span` without its attributes, events and links (see `SpanHead`); `raw` must be well-formed (checked on arrival). */
export function decodeSpanHead(raw: Uint8Array): Span {
  const s = new SpanHead(raw);
  const r = WireReader.of(raw, otlpError);
  while (!r.done()) {
    const tag = r.uint32();
    if (!spanScalarField(s, r, tag)) r.skip(tag & 7);
  }
  return s;
}

/** Reads `tag`'s field into `s` when it is one of the span's scalar fields (all but attributes, events, links). */
function spanScalarField(s: Span, r: WireReader, tag: number): boolean {
  switch (tag) {
    case (1 << 3) | 2:
      s.traceId = r.bytes();
      return true;
    case (2 << 3) | 2:
      s.spanId = r.bytes();
      return true;
    case (3 << 3) | 2:
      s.traceState = r.string();
      return true;
    case (4 << 3) | 2:
      s.parentSpanId = r.bytes();
      return true;
    case (16 << 3) | 5:
      s.flags = r.fixed32();
      return true;
    case (5 << 3) | 2:
      s.name = r.string();
      return true;
    case 6 << 3:
      s.kind = r.uint32() | 0;
      return true;
    case (7 << 3) | 1:
      s.startTimeUnixNano = r.fixed64();
      return true;
    case (8 << 3) | 1:
      s.endTimeUnixNano = r.fixed64();
      return true;
    case 10 << 3:
      s.droppedAttributesCount = r.uint32();
      return true;
    case 12 << 3:
      s.droppedEventsCount = r.uint32();
      return true;
    case 14 << 3:
      s.droppedLinksCount = r.uint32();
      return true;
    case (15 << 3) | 2:
      s.status = status(r.sub());
      return true;
    default:
      return false;
  }
}

function status(st: WireReader): { message: string; code: number } {
  const out = { message: '', code: 0 };
  while (!st.done()) {
    const t = st.uint32();
    if (t === ((2 << 3) | 2)) out.message = st.string();
    else if (t === 3 << 3) out.code = st.uint32() | 0;
    else st.skip(t & 7);
  }
  return out;
}

const SPANS: ItemLayout<Span> = { groups: 'scopeSpans', items: 'spans', kind: K_SPAN, decode: decodeSpanBytes };

/** The bytes of each span of `ss` as they arrived, when its spans were never read or replaced; else undefined. */
export function undecodedSpans(ss: ScopeSpans): readonly Uint8Array[] | undefined {
  return undecodedItems(ss);
}

/**
 * The spans of `ss` for a reader of their scalar fields: `SpanHead`s over the bytes they arrived with when they
 * were never built, else the spans as they are. Leaves `ss` as it was (its spans still undecoded).
 */
export function spanHeads(ss: ScopeSpans): Span[] {
  const raws = undecodedItems(ss);
  return raws ? raws.map(decodeSpanHead) : (ss.spans ?? []);
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
    if (spanScalarField(s, r, tag)) continue;
    if (tag === ((9 << 3) | 2)) s.attributes!.push(keyValue(r.sub()));
    else if (tag === ((11 << 3) | 2)) s.events!.push(event(r.sub()));
    else if (tag === ((13 << 3) | 2)) s.links!.push(link(r.sub()));
    else r.skip(tag & 7);
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

import type { AnyValue, InstrumentationScope, KeyValue, Resource } from './types.js';
import { WireReader } from '../../lib/protobuf/index.js';
import { OtlpDecodeError } from './codec-errors.js';

/**
 * The parts every hand-written OTLP decoder shares: `Resource*` / `Scope*` grouping (the same wire layout for spans,
 * log records and metrics: resource = 1, scope groups = 2, schema_url = 3; scope = 1, items = 2, schema_url = 3),
 * resources and scopes with the `raw` bytes they arrived with, key-values and AnyValues, a structural check of items
 * (spans, log records, metrics) that allocates nothing, and items built lazily on first read.
 */

/** The error of a malformed request of one signal (`traces request`, `logs request`). */
export function otlpErrorFor(what: string): (msg: string, pos: number) => OtlpDecodeError {
  return (msg, pos) => new OtlpDecodeError(`unable to unmarshal ${what}: ${msg} at offset ${pos}`);
}

export const EMPTY = Buffer.alloc(0);

// Message kinds the structural check walks into: exactly the embedded messages the item decoders read.
export const K_SPAN = 0;
const K_EVENT = 1;
const K_LINK = 2;
const K_STATUS = 3;
const K_KEY_VALUE = 4;
const K_ANY_VALUE = 5;
const K_ARRAY = 6;
const K_KV_LIST = 7;
export const K_LOG_RECORD = 8;
export const K_METRIC = 9;
const K_NUMBER_DATA = 10; // Gauge, Sum
const K_HISTOGRAM = 11;
const K_EXP_HISTOGRAM = 12;
const K_SUMMARY = 13;
// The data points, consecutive: the check counts them.
const K_NUMBER_POINT = 14;
const K_HISTOGRAM_POINT = 15;
const K_EXP_HISTOGRAM_POINT = 16;
const K_SUMMARY_POINT = 17;
const K_EXEMPLAR = 18;
const K_BUCKETS = 19;
const K_QUANTILE = 20;
// Packed repeated scalars the decoders read element by element.
const K_PACKED_FIXED64 = 21;
const K_PACKED_VARINT = 22;
const K_NONE = -1;

/** The kind of the embedded message in field `field` of a `kind` message, or K_NONE for a scalar/bytes field. */
function nestedKind(kind: number, field: number): number {
  switch (kind) {
    case K_SPAN:
      return field === 9 ? K_KEY_VALUE : field === 11 ? K_EVENT : field === 13 ? K_LINK : field === 15 ? K_STATUS : K_NONE;
    case K_LOG_RECORD:
      return field === 5 ? K_ANY_VALUE : field === 6 ? K_KEY_VALUE : K_NONE;
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
    case K_METRIC:
      switch (field) {
        case 5:
        case 7:
          return K_NUMBER_DATA;
        case 9:
          return K_HISTOGRAM;
        case 10:
          return K_EXP_HISTOGRAM;
        case 11:
          return K_SUMMARY;
        case 12:
          return K_KEY_VALUE;
        default:
          return K_NONE;
      }
    case K_NUMBER_DATA:
      return field === 1 ? K_NUMBER_POINT : K_NONE;
    case K_HISTOGRAM:
      return field === 1 ? K_HISTOGRAM_POINT : K_NONE;
    case K_EXP_HISTOGRAM:
      return field === 1 ? K_EXP_HISTOGRAM_POINT : K_NONE;
    case K_SUMMARY:
      return field === 1 ? K_SUMMARY_POINT : K_NONE;
    case K_NUMBER_POINT:
      return field === 7 ? K_KEY_VALUE : field === 5 ? K_EXEMPLAR : K_NONE;
    case K_HISTOGRAM_POINT:
      return field === 9 ? K_KEY_VALUE : field === 8 ? K_EXEMPLAR : field === 6 || field === 7 ? K_PACKED_FIXED64 : K_NONE;
    case K_EXP_HISTOGRAM_POINT:
      return field === 1 ? K_KEY_VALUE : field === 8 || field === 9 ? K_BUCKETS : field === 11 ? K_EXEMPLAR : K_NONE;
    case K_SUMMARY_POINT:
      return field === 7 ? K_KEY_VALUE : field === 6 ? K_QUANTILE : K_NONE;
    case K_EXEMPLAR:
      return field === 7 ? K_KEY_VALUE : K_NONE;
    case K_BUCKETS:
      return field === 2 ? K_PACKED_VARINT : K_NONE;
    default:
      return K_NONE;
  }
}

/**
 * Walks the fields of one message in [r.pos, end) without building anything and fails exactly where the decoder
 * would: truncation, invalid wire types, AnyValue nesting deeper than MAX_ANY_VALUE_DEPTH (counted as the decoder
 * counts it: a key-value's value or a log body one deeper than its holder, an array element one deeper than its array),
 * packed fixed64/double runs that are not whole, packed varints that do not end. Returns how many metric data points
 * it walked (0 for spans and log records).
 */
export function checkMessage(r: WireReader, end: number, kind: number, depth: number): number {
  if (kind === K_ANY_VALUE && depth > MAX_ANY_VALUE_DEPTH) r.fail(`AnyValue nested deeper than ${MAX_ANY_VALUE_DEPTH}`);
  let points = kind >= K_NUMBER_POINT && kind <= K_SUMMARY_POINT ? 1 : 0;
  while (r.pos < end) {
    const tag = r.uint32(end);
    const nested = (tag & 7) === 2 ? nestedKind(kind, tag >>> 3) : K_NONE;
    if (nested === K_NONE) {
      r.skip(tag & 7, end);
      continue;
    }
    const e = r.lengthEnd(end);
    if (nested === K_PACKED_FIXED64) {
      if ((e - r.pos) % 8 !== 0) r.fail('truncated fixed64');
    } else if (nested === K_PACKED_VARINT) {
      while (r.pos < e) r.skip(0, e);
    } else points += checkMessage(r, e, nested, nested === K_ANY_VALUE ? depth + 1 : depth);
    r.pos = e;
  }
  return points;
}

/** How one signal's items are laid out and built: `resourceSpans[].scopeSpans[].spans[]` and the like. */
export interface ItemLayout<I> {
  /** Property of a resource group holding its scope groups (`scopeSpans`). */
  groups: string;
  /** Property of a scope group holding its items (`spans`). */
  items: string;
  /** The item's message kind for the structural check (K_SPAN, K_LOG_RECORD). */
  kind: number;
  /** Build one item from the bytes it arrived with. */
  decode: (raw: Uint8Array) => I;
}

/** Decode `field 1: repeated Resource<Items>` (an Export request or `*Data`) with items checked now and built lazily. */
export function decodeResourceList<R>(buf: Uint8Array, layout: ItemLayout<unknown>, error: (msg: string, pos: number) => OtlpDecodeError): R[] {
  const r = WireReader.of(buf, error);
  const out: R[] = [];
  while (!r.done()) {
    const tag = r.uint32();
    if (tag === ((1 << 3) | 2)) out.push(resourceGroup(r.sub(), layout) as R);
    else r.skip(tag & 7);
  }
  return out;
}

function resourceGroup(r: WireReader, layout: ItemLayout<unknown>): Record<string, unknown> {
  const scopes: Record<string, unknown>[] = [];
  const g: Record<string, unknown> = { resource: null, [layout.groups]: scopes, schemaUrl: '' };
  while (!r.done()) {
    const tag = r.uint32();
    switch (tag) {
      case (1 << 3) | 2:
        g.resource = resource(r.sub());
        break;
      case (2 << 3) | 2:
        scopes.push(scopeGroup(r.sub(), layout));
        break;
      case (3 << 3) | 2:
        g.schemaUrl = r.string();
        break;
      default:
        r.skip(tag & 7);
    }
  }
  return g;
}

function scopeGroup(r: WireReader, layout: ItemLayout<unknown>): Record<string, unknown> {
  const g: Record<string, unknown> = { scope: null, schemaUrl: '' };
  const raws: Uint8Array[] = [];
  let units = 0;
  while (!r.done()) {
    const tag = r.uint32();
    switch (tag) {
      case (1 << 3) | 2:
        g.scope = scope(r.sub());
        break;
      case (2 << 3) | 2: {
        const e = r.lengthEnd();
        const start = r.pos;
        units += checkMessage(r, e, layout.kind, 0);
        raws.push(r.buf.subarray(start, e));
        break;
      }
      case (3 << 3) | 2:
        g.schemaUrl = r.string();
        break;
      default:
        r.skip(tag & 7);
    }
  }
  return withLazyItems(g, layout, { raws, units });
}

/**
 * The encoded items of a scope group whose items were never read (so none was changed), else undefined; with the
 * data points the check counted in them (metrics).
 */
const RAW_ITEMS = Symbol('encoded items, not yet decoded');
interface RawItems {
  raws: Uint8Array[];
  units: number;
}
type LazyGroup = Record<string, unknown> & { [RAW_ITEMS]?: RawItems };

/**
 * Items are checked when the request arrives (a malformed one fails the whole request, as with eager decoding) but
 * built only when something reads the items property: a pipeline that only counts, batches and forwards them (the
 * Collector's usual `memory_limiter → batch → otlp`) re-sends the bytes they came with and never allocates an item.
 */
function withLazyItems(g: Record<string, unknown>, layout: ItemLayout<unknown>, raw: RawItems): Record<string, unknown> {
  const lazy = g as LazyGroup;
  const raws = raw.raws;
  let items: unknown[] | undefined;
  Object.defineProperty(lazy, RAW_ITEMS, { value: raw, writable: true, enumerable: false, configurable: true });
  Object.defineProperty(lazy, layout.items, {
    enumerable: true,
    configurable: true,
    get(): unknown[] {
      if (items === undefined) {
        items = raws.map(layout.decode);
        lazy[RAW_ITEMS] = undefined;
      }
      return items;
    },
    set(v: unknown[]) {
      items = v;
      lazy[RAW_ITEMS] = undefined;
    },
  });
  return g;
}

/** The bytes of each item of a scope group as they arrived, when its items were never read or replaced; else undefined. */
export function undecodedItems(group: object): readonly Uint8Array[] | undefined {
  return (group as LazyGroup)[RAW_ITEMS]?.raws;
}

/** How many metric data points the check counted in a scope group's items, when they were never read; else undefined. */
export function undecodedPointCount(group: object): number | undefined {
  return (group as LazyGroup)[RAW_ITEMS]?.units;
}

/** How many items a scope group holds under `key`, without building them. */
export function itemCount(group: object, key: string): number {
  return (group as LazyGroup)[RAW_ITEMS]?.raws.length ?? (group as Record<string, unknown[] | undefined>)[key]?.length ?? 0;
}

export function resource(r: WireReader): Resource {
  const res: Resource = { raw: r.buf.subarray(r.pos, r.end), attributes: [], droppedAttributesCount: 0 };
  while (!r.done()) {
    const tag = r.uint32();
    if (tag === ((1 << 3) | 2)) res.attributes!.push(keyValue(r.sub()));
    else if (tag === 2 << 3) res.droppedAttributesCount = r.uint32();
    else r.skip(tag & 7);
  }
  return res;
}

export function scope(r: WireReader): InstrumentationScope {
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

export function anyValue(r: WireReader, depth: number): AnyValue {
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

// The codec alone, not the OTLP index (see src/otlp/proto/index.ts): this module runs in worker threads too.
import { WireReader } from '../../lib/protobuf/index.js';
import { anyValueToJs, decodeAnyValueBytes, forEachSpanAttribute } from '../../otlp/proto/index.js';
import type { KeyValue } from '../../otlp/index.js';
import { GrowableF64, GrowableU32, GrowableU8, type StringDict } from './columns.js';

export const ATTR_STRING = 0;
export const ATTR_NUMBER = 1;
export const ATTR_BOOL = 2;

/**
 * The attributes of a block's spans (or resources) as three parallel columns: key (dictionary ID), type and value
 * (a dictionary ID for strings, the number, or 0/1). Span attributes are read straight from the span's encoded
 * bytes, so writing a block builds no `KeyValue` objects.
 */
export class AttributeColumns {
  readonly key = new GrowableU32();
  readonly type = new GrowableU8();
  readonly val = new GrowableF64();

  constructor(private readonly dict: StringDict) {}

  get length(): number {
    return this.key.n;
  }

  /** Add decoded attributes (values that are not set are skipped, as `anyValueToJs` reads them). */
  addDecoded(kvs: readonly KeyValue[] | undefined): void {
    for (const kv of kvs ?? []) this.add(this.dict.id(kv.key), anyValueToJs(kv.value));
  }

  /**
   * Add the attributes (field 9) of an encoded `Span`, checked on arrival. Scalar values are read in place; arrays,
   * maps and bytes go through the shared AnyValue decoder (as JSON / base64 strings, like `anyValueToJs`).
   */
  addFromSpanBytes(raw: Uint8Array): void {
    forEachSpanAttribute(raw, (buf, ks, ke, vs, ve) => {
      if (vs >= 0) this.addValueBytes(new WireReader(buf, vs, ve), this.dict.idOfUtf8(buf, ks, ke), vs, ve);
    });
  }

  /** An AnyValue in [start, end): the last value field set wins, as in the decoder. */
  private addValueBytes(r: WireReader, key: number, start: number, end: number): void {
    r.pos = start;
    let tag = -1;
    let at = -1;
    while (r.pos < end) {
      const t = r.uint32(end);
      tag = t;
      at = r.pos;
      r.skip(t & 7, end);
    }
    if (tag === -1) return;
    r.pos = at;
    switch (tag) {
      case (1 << 3) | 2: {
        const [s, e] = r.delimited(end);
        this.push(key, ATTR_STRING, this.dict.idOfUtf8(r.buf, s, e));
        return;
      }
      case 2 << 3:
        this.add(key, r.uint32(end) !== 0);
        return;
      case 3 << 3:
        this.add(key, r.int64(end));
        return;
      case (4 << 3) | 1:
        this.add(key, r.double(end));
        return;
      default:
        this.add(key, anyValueToJs(decodeAnyValueBytes(r.buf.subarray(start, end))));
    }
  }

  private add(key: number, v: string | number | boolean | undefined): void {
    if (v === undefined) return;
    if (typeof v === 'string') this.push(key, ATTR_STRING, this.dict.id(v));
    else if (typeof v === 'number') this.push(key, ATTR_NUMBER, v);
    else this.push(key, ATTR_BOOL, v ? 1 : 0);
  }

  private push(key: number, type: number, val: number): void {
    this.key.push(key);
    this.type.push(type);
    this.val.push(val);
  }
}

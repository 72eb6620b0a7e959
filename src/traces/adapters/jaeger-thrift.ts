import Long from 'long';
import type { KeyValue, ResourceSpans, Span } from '../../otlp/index.js';
import { jaegerResourceSpans, jaegerSpanToOtlp, jaegerTag, type JaegerSpan, type JaegerTagValue } from './jaeger-model.js';

/** A Jaeger Thrift body that cannot be decoded: 400. */
export class ThriftDecodeError extends Error {
  override name = 'ThriftDecodeError';
}

// Thrift binary protocol type IDs.
const T_STOP = 0;
const T_BOOL = 2;
const T_BYTE = 3;
const T_DOUBLE = 4;
const T_I16 = 6;
const T_I32 = 8;
const T_I64 = 10;
const T_STRING = 11;
const T_STRUCT = 12;
const T_MAP = 13;
const T_SET = 14;
const T_LIST = 15;

/** A reader of the Thrift binary protocol (big-endian, as Jaeger's HTTP collector endpoint receives it). */
class ThriftReader {
  pos = 0;
  constructor(private readonly b: Buffer) {}

  private need(n: number): void {
    if (this.pos + n > this.b.length) throw new ThriftDecodeError(`truncated thrift data at offset ${this.pos}`);
  }
  byte(): number {
    this.need(1);
    return this.b.readInt8(this.pos++);
  }
  i16(): number {
    this.need(2);
    const v = this.b.readInt16BE(this.pos);
    this.pos += 2;
    return v;
  }
  i32(): number {
    this.need(4);
    const v = this.b.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  i64(): Long {
    this.need(8);
    const hi = this.b.readInt32BE(this.pos);
    const lo = this.b.readInt32BE(this.pos + 4);
    this.pos += 8;
    return new Long(lo, hi, false);
  }
  double(): number {
    this.need(8);
    const v = this.b.readDoubleBE(this.pos);
    this.pos += 8;
    return v;
  }
  binary(): Buffer {
    const n = this.i32();
    if (n < 0) throw new ThriftDecodeError('negative string length');
    this.need(n);
    const v = this.b.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }
  string(): string {
    return this.binary().toString('utf8');
  }
  /** Iterate the fields of a struct; `fn` must consume the field or return false to have it skipped. */
  struct(fn: (id: number, type: number) => boolean): void {
    for (;;) {
      const type = this.byte();
      if (type === T_STOP) return;
      const id = this.i16();
      if (!fn(id, type)) this.skip(type);
    }
  }
  list<T>(item: () => T): T[] {
    this.byte(); // element type
    const n = this.i32();
    if (n < 0 || n > this.b.length) throw new ThriftDecodeError('invalid list size');
    const out: T[] = [];
    for (let i = 0; i < n; i++) out.push(item());
    return out;
  }
  /** Nesting of skipped containers so far; Apache Thrift's default recursion limit is 64. */
  private skipDepth = 0;

  skip(type: number): void {
    if (type === T_STRUCT || type === T_MAP || type === T_SET || type === T_LIST) {
      if (this.skipDepth >= MAX_SKIP_DEPTH) throw new ThriftDecodeError('Depth limit exceeded');
      this.skipDepth++;
      try {
        this.skipValue(type);
      } finally {
        this.skipDepth--;
      }
      return;
    }
    this.skipValue(type);
  }

  private skipValue(type: number): void {
    switch (type) {
      case T_BOOL:
      case T_BYTE:
        this.pos += 1;
        break;
      case T_I16:
        this.pos += 2;
        break;
      case T_I32:
        this.pos += 4;
        break;
      case T_DOUBLE:
      case T_I64:
        this.pos += 8;
        break;
      case T_STRING:
        this.binary();
        return;
      case T_STRUCT:
        this.struct(() => false);
        return;
      case T_MAP: {
        const kt = this.byte();
        const vt = this.byte();
        const n = this.i32();
        for (let i = 0; i < n; i++) {
          this.skip(kt);
          this.skip(vt);
        }
        return;
      }
      case T_SET:
      case T_LIST: {
        const et = this.byte();
        const n = this.i32();
        for (let i = 0; i < n; i++) this.skip(et);
        return;
      }
      default:
        throw new ThriftDecodeError(`invalid thrift type ${type}`);
    }
    this.need(0);
  }
}

const THRIFT_TAG_TYPES: JaegerTagValue['type'][] = ['string', 'float64', 'bool', 'int64', 'binary'];

function tag(r: ThriftReader): KeyValue {
  let key = '';
  const v: JaegerTagValue = { type: 'string', str: '', bool: false, int: 0, dbl: 0, bin: Buffer.alloc(0) };
  r.struct((id, type) => {
    if (id === 1 && type === T_STRING) key = r.string();
    else if (id === 2 && type === T_I32) v.type = THRIFT_TAG_TYPES[r.i32()] ?? 'string';
    else if (id === 3 && type === T_STRING) v.str = r.string();
    else if (id === 4 && type === T_DOUBLE) v.dbl = r.double();
    else if (id === 5 && type === T_BOOL) v.bool = r.byte() !== 0;
    else if (id === 6 && type === T_I64) {
      const lng = r.i64();
      v.int = lng.high >= -0x200000 && lng.high < 0x200000 ? lng.toNumber() : lng;
    } else if (id === 7 && type === T_STRING) v.bin = r.binary();
    else return false;
    return true;
  });
  return jaegerTag(key, v);
}

const idBytes = (hi: Long, lo: Long) => Buffer.concat([Buffer.from(hi.toBytesBE()), Buffer.from(lo.toBytesBE())]);
const microsToNanos = (us: Long) => us.toUnsigned().multiply(1000);

function span(r: ThriftReader): Span {
  let traceLo = Long.ZERO;
  let traceHi = Long.ZERO;
  let spanId = Long.ZERO;
  let parent = Long.ZERO;
  let name = '';
  let start = Long.ZERO;
  let duration = Long.ZERO;
  let flags = 0;
  let tags: KeyValue[] = [];
  const logs: JaegerSpan['logs'] = [];
  const references: JaegerSpan['references'] = [];
  r.struct((id, type) => {
    if (id === 1 && type === T_I64) traceLo = r.i64();
    else if (id === 2 && type === T_I64) traceHi = r.i64();
    else if (id === 3 && type === T_I64) spanId = r.i64();
    else if (id === 4 && type === T_I64) parent = r.i64();
    else if (id === 5 && type === T_STRING) name = r.string();
    else if (id === 6 && type === T_LIST)
      r.list(() => {
        let refType = 0;
        let lo = Long.ZERO;
        let hi = Long.ZERO;
        let sid = Long.ZERO;
        r.struct((fid, ftype) => {
          if (fid === 1 && ftype === T_I32) refType = r.i32();
          else if (fid === 2 && ftype === T_I64) lo = r.i64();
          else if (fid === 3 && ftype === T_I64) hi = r.i64();
          else if (fid === 4 && ftype === T_I64) sid = r.i64();
          else return false;
          return true;
        });
        references.push({ traceId: idBytes(hi, lo), spanId: Buffer.from(sid.toBytesBE()), followsFrom: refType === 1 });
      });
    else if (id === 7 && type === T_I32) flags = r.i32();
    else if (id === 8 && type === T_I64) start = r.i64();
    else if (id === 9 && type === T_I64) duration = r.i64();
    else if (id === 10 && type === T_LIST) tags = r.list(() => tag(r));
    else if (id === 11 && type === T_LIST)
      r.list(() => {
        let ts = Long.ZERO;
        let fields: KeyValue[] = [];
        r.struct((fid, ftype) => {
          if (fid === 1 && ftype === T_I64) ts = r.i64();
          else if (fid === 2 && ftype === T_LIST) fields = r.list(() => tag(r));
          else return false;
          return true;
        });
        logs.push({ timeUnixNano: microsToNanos(ts), fields });
      });
    else return false;
    return true;
  });
  return jaegerSpanToOtlp({
    traceId: idBytes(traceHi, traceLo),
    spanId: Buffer.from(spanId.toBytesBE()),
    parentSpanId: parent.isZero() ? Buffer.alloc(0) : Buffer.from(parent.toBytesBE()),
    name,
    references,
    flags,
    startUnixNano: microsToNanos(start),
    endUnixNano: microsToNanos(start.add(duration)),
    tags,
    logs,
  });
}

const MAX_SKIP_DEPTH = 64;

/**
 * A Jaeger `Batch` in Thrift binary encoding (the body of `POST /api/traces` on the Jaeger collector's HTTP port
 * 14268) → OTLP resource spans, mapped as the Collector's jaeger receiver does (jaeger-model.ts).
 */
export function jaegerThriftToOtlp(body: Buffer): ResourceSpans[] {
  const r = new ThriftReader(body);
  let service = '';
  let processTags: KeyValue[] = [];
  let spans: Span[] = [];
  r.struct((id, type) => {
    if (id === 1 && type === T_STRUCT) {
      r.struct((pid, ptype) => {
        if (pid === 1 && ptype === T_STRING) service = r.string();
        else if (pid === 2 && ptype === T_LIST) processTags = r.list(() => tag(r));
        else return false;
        return true;
      });
    } else if (id === 2 && type === T_LIST) spans = r.list(() => span(r));
    else return false;
    return true;
  });
  return [jaegerResourceSpans({ serviceName: service, tags: processTags }, spans)];
}

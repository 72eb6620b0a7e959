/**
 * A small columnar container: named typed-array columns plus a string dictionary, in one buffer:
 * `u32 headerLength | header JSON | column bytes (8-byte aligned)`. Reading maps the columns without copying.
 */
export type Column = Uint8Array | Uint32Array | Int32Array | Float64Array;

type ColumnType = 'u8' | 'u32' | 'i32' | 'f64';

interface Header {
  strings: string[];
  columns: { name: string; type: ColumnType; length: number; offset: number }[];
  meta?: unknown;
}

function typeOf(c: Column): ColumnType {
  if (c instanceof Uint8Array) return 'u8';
  if (c instanceof Uint32Array) return 'u32';
  if (c instanceof Int32Array) return 'i32';
  return 'f64';
}

export function encodeColumns(columns: Record<string, Column>, strings: string[], meta?: unknown): Buffer {
  const header: Header = { strings, columns: [], meta };
  let offset = 0;
  for (const [name, c] of Object.entries(columns)) {
    header.columns.push({ name, type: typeOf(c), length: c.length, offset });
    offset += Math.ceil(c.byteLength / 8) * 8;
  }
  const h = Buffer.from(JSON.stringify(header));
  const start = Math.ceil((4 + h.length) / 8) * 8;
  const out = Buffer.alloc(start + offset);
  out.writeUInt32LE(h.length, 0);
  h.copy(out, 4);
  let i = 0;
  for (const c of Object.values(columns)) {
    const col = header.columns[i++];
    out.set(new Uint8Array(c.buffer, c.byteOffset, c.byteLength), start + col.offset);
  }
  return out;
}

export interface DecodedColumns {
  strings: string[];
  meta: unknown;
  u8(name: string): Uint8Array;
  u32(name: string): Uint32Array;
  i32(name: string): Int32Array;
  f64(name: string): Float64Array;
}

export function decodeColumns(buf: Buffer): DecodedColumns {
  const hl = buf.readUInt32LE(0);
  const header = JSON.parse(buf.subarray(4, 4 + hl).toString('utf8')) as Header;
  const start = Math.ceil((4 + hl) / 8) * 8;
  // Copy into an 8-aligned ArrayBuffer once so typed arrays can map it.
  const ab = new ArrayBuffer(buf.length - start);
  new Uint8Array(ab).set(buf.subarray(start));
  const cols = new Map(header.columns.map((c) => [c.name, c]));
  const get = (name: string, type: ColumnType) => {
    const c = cols.get(name);
    if (!c || c.type !== type) throw new Error(`column ${name} (${type}) missing`);
    return c;
  };
  return {
    strings: header.strings,
    meta: header.meta,
    u8: (n) => {
      const c = get(n, 'u8');
      return new Uint8Array(ab, c.offset, c.length);
    },
    u32: (n) => {
      const c = get(n, 'u32');
      return new Uint32Array(ab, c.offset, c.length);
    },
    i32: (n) => {
      const c = get(n, 'i32');
      return new Int32Array(ab, c.offset, c.length);
    },
    f64: (n) => {
      const c = get(n, 'f64');
      return new Float64Array(ab, c.offset, c.length);
    },
  };
}

/** Growable typed-array builders for writing columns; `get()` is a view of the filled part (copy it to keep it past the next push). */
export class GrowableF64 {
  a = new Float64Array(1024);
  n = 0;
  push(v: number): void {
    if (this.n === this.a.length) {
      const b = new Float64Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.n++] = v;
  }
  get(): Float64Array {
    return this.a.subarray(0, this.n);
  }
}

export class GrowableU32 {
  a = new Uint32Array(1024);
  n = 0;
  push(v: number): void {
    if (this.n === this.a.length) {
      const b = new Uint32Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.n++] = v;
  }
  get(): Uint32Array {
    return this.a.subarray(0, this.n);
  }
}

export class GrowableU8 {
  a = new Uint8Array(1024);
  n = 0;
  push(v: number): void {
    if (this.n === this.a.length) {
      const b = new Uint8Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.n++] = v;
  }
  get(): Uint8Array {
    return this.a.subarray(0, this.n);
  }
}

/**
 * Bytes appended into one buffer that grows by half when full, starting at a capacity the writer estimates (a
 * block's data object: the span bytes plus their groups' framing), so that the result is one allocation, not one
 * per trace and a concatenation.
 */
export class GrowableBytes {
  buf: Uint8Array;
  length = 0;
  constructor(capacity: number) {
    this.buf = new Uint8Array(Math.max(1024, capacity));
  }
  ensure(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const b = new Uint8Array(Math.max(this.length + n, Math.ceil(this.buf.length * 1.5)));
    b.set(this.buf.subarray(0, this.length));
    this.buf = b;
  }
  /** The bytes written (a view). */
  get(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }
}

/** Whether `a` equals `b[start, start + a.length)`; a loop beats `Buffer#compare`'s native call for short strings. */
function sameBytes(a: Uint8Array, b: Uint8Array, start: number): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[start + i]) return false;
  return true;
}

/**
 * Interns strings to dictionary indexes. `idOfUtf8` interns a string given as UTF-8 bytes, decoding it only the
 * first time those bytes are seen (attribute keys and values repeat across spans).
 */
export class StringDict {
  readonly strings: string[] = [];
  private readonly ids = new Map<string, number>();
  /** FNV-1a hash of UTF-8 bytes → [bytes, id] pairs with that hash. */
  private readonly byBytes = new Map<number, { bytes: Uint8Array; id: number }[]>();

  id(s: string): number {
    let i = this.ids.get(s);
    if (i === undefined) {
      i = this.strings.length;
      this.strings.push(s);
      this.ids.set(s, i);
    }
    return i;
  }

  /** The index of the string `buf[start, end)` encodes (valid UTF-8 or not: decoded as `Buffer#toString` does). */
  idOfUtf8(buf: Buffer, start: number, end: number): number {
    let h = 0x811c9dc5;
    for (let p = start; p < end; p++) h = Math.imul(h ^ buf[p], 0x01000193);
    let list = this.byBytes.get(h);
    if (list) {
      const len = end - start;
      for (const c of list) if (c.bytes.length === len && sameBytes(c.bytes, buf, start)) return c.id;
    } else this.byBytes.set(h, (list = []));
    const id = this.id(buf.toString('utf8', start, end));
    list.push({ bytes: buf.subarray(start, end), id });
    return id;
  }
}

type RangeReader = (offset: number, length: number) => Promise<Buffer>;

/**
 * Reads a column container lazily: the header (dictionary and column offsets) first, then only the columns asked
 * for, each with one range read — a search that tests two columns never reads the others.
 */
export class LazyColumns {
  private readonly loaded = new Map<string, Promise<Column>>();
  /** Bytes held: header plus loaded columns. */
  bytes: number;

  private constructor(
    private readonly read: RangeReader,
    readonly strings: string[],
    private readonly cols: Map<string, { type: ColumnType; length: number; offset: number }>,
    private readonly dataStart: number,
    headerBytes: number,
  ) {
    this.bytes = headerBytes;
  }

  static async open(read: RangeReader): Promise<LazyColumns> {
    const hl = (await read(0, 4)).readUInt32LE(0);
    const header = JSON.parse((await read(4, hl)).toString('utf8')) as Header;
    return new LazyColumns(read, header.strings, new Map(header.columns.map((c) => [c.name, c])), Math.ceil((4 + hl) / 8) * 8, hl);
  }

  column(name: string): Promise<Column> {
    let p = this.loaded.get(name);
    if (!p) {
      const c = this.cols.get(name);
      if (!c) throw new Error(`column ${name} missing`);
      const width = c.type === 'u8' ? 1 : c.type === 'f64' ? 8 : 4;
      p = this.read(this.dataStart + c.offset, c.length * width).then((b) => {
        const ab = new ArrayBuffer(c.length * width);
        new Uint8Array(ab).set(b.subarray(0, c.length * width));
        this.bytes += ab.byteLength;
        switch (c.type) {
          case 'u8':
            return new Uint8Array(ab);
          case 'u32':
            return new Uint32Array(ab);
          case 'i32':
            return new Int32Array(ab);
          default:
            return new Float64Array(ab);
        }
      });
      p.catch(() => this.loaded.delete(name));
      this.loaded.set(name, p);
    }
    return p;
  }
}

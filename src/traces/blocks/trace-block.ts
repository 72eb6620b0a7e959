import { randomUUID } from 'node:crypto';
import type { ObjectReader, ObjectStore } from '../../storage/index.js';
import { decodeTracesData } from '../../otlp/index.js';
import { anchoredRegex, compareValues, entriesOf, type AttrValue, type DistinctTagValues, type SpanCondition, type SpanEntry } from '../model/index.js';
import { ATTR_NUMBER, ATTR_STRING } from './attribute-columns.js';
import { BloomFilter } from './bloom-filter.js';
import { LazyColumns, decodeColumns } from './columns.js';
import type { EncodedBlock } from './block-encoder.js';

/** What `meta.json` of a block says. */
export interface BlockMeta {
  version: 1;
  blockId: string;
  tenant: string;
  minStartMs: number;
  maxEndMs: number;
  traces: number;
  spans: number;
  dataBytes: number;
  createdAt: string;
  /** 0 for a block cut from the head; 1 + the highest input level for a compacted block. */
  compactionLevel?: number;
  /** IDs of the blocks a compacted block replaces (deleted after it is written; skipped if still found at open). */
  compactedFrom?: string[];
}

/**
 * Put the objects of an encoded block (see `encodeBlock`) in the store: `data`, `index`, `bloom`, `search` and last
 * `meta.json`, which makes the block visible. Returns its meta.
 */
export async function storeBlock(
  store: ObjectStore,
  prefix: string,
  tenant: string,
  b: EncodedBlock,
  lineage: Pick<BlockMeta, 'compactionLevel' | 'compactedFrom'> = {},
): Promise<BlockMeta> {
  const blockId = randomUUID();
  const dir = `${prefix}/${tenant}/${blockId}`;
  await store.put(`${dir}/data`, b.data);
  await store.put(`${dir}/index`, b.index);
  await store.put(`${dir}/bloom`, b.bloom);
  await store.put(`${dir}/search`, b.search);
  const meta: BlockMeta = {
    version: 1,
    blockId,
    tenant,
    minStartMs: b.minStartMs,
    maxEndMs: b.maxEndMs,
    traces: b.traces,
    spans: b.spans,
    dataBytes: b.data.length,
    createdAt: new Date().toISOString(),
    ...lineage,
  };
  await store.put(`${dir}/meta.json`, Buffer.from(JSON.stringify(meta)));
  return meta;
}

interface BlockIndex {
  ids: Uint8Array;
  dataOff: Float64Array;
  dataLen: Float64Array;
  tStart: Float64Array;
  tEnd: Float64Array;
  spanOff: Uint32Array;
}

interface SearchArrays {
  trace: Uint32Array;
  service: Uint32Array;
  name: Uint32Array;
  kind: Uint8Array;
  status: Uint8Array;
  dur: Float64Array;
  start: Float64Array;
  res: Uint32Array;
  aOff: Uint32Array;
  aKey: Uint32Array;
  aType: Uint8Array;
  aVal: Float64Array;
  rOff: Uint32Array;
  rKey: Uint32Array;
  rType: Uint8Array;
  rVal: Float64Array;
}

interface SearchColumns extends SearchArrays {
  strings: string[];
  stringIds: Map<string, number>;
}

const SPAN_ATTR_COLUMNS = ['aOff', 'aKey', 'aType', 'aVal'] as const;
const RESOURCE_ATTR_COLUMNS = ['res', 'rOff', 'rKey', 'rType', 'rVal'] as const;

/** The columns the conditions read. */
function columnsFor(conditions: SpanCondition[]): (keyof SearchArrays)[] {
  const need = new Set<keyof SearchArrays>();
  for (const c of conditions) {
    const t = c.target;
    if (t.kind === 'intrinsic') {
      if (t.name === 'name' || t.name === 'status' || t.name === 'kind') need.add(t.name);
      else if (t.name === 'duration') need.add('dur');
      continue;
    }
    if (t.scope !== 'resource') SPAN_ATTR_COLUMNS.forEach((n) => need.add(n));
    if (t.scope !== 'span') RESOURCE_ATTR_COLUMNS.forEach((n) => need.add(n));
  }
  return [...need];
}

/** Column entries a block's tag lookup reads between two steps of its slice (a clock read each). */
const SCAN_STEP = 4096;
/** A scan reads runs of matching traces of at most this many bytes, across gaps of unmatched ones up to READ_GAP_BYTES. */
const READ_RUN_BYTES = 1 << 20;
const READ_GAP_BYTES = 16 << 10;

/** A compiled condition over the search columns of one block. */
type ColumnPredicate = (span: number) => boolean;

function decodeIndex(b: Buffer): BlockIndex {
  const c = decodeColumns(b);
  return { ids: c.u8('ids'), dataOff: c.f64('dataOff'), dataLen: c.f64('dataLen'), tStart: c.f64('tStart'), tEnd: c.f64('tEnd'), spanOff: c.u32('spanOff') };
}

/**
 * An immutable block in the object store; index, bloom filter and search columns are loaded lazily and cached. A
 * block this process writes starts with its index and bloom filter in memory (`warm`): its first lookup reads no
 * more than a trace-by-ID of an old block does (as Tempo's queriers keep their blocks' bloom filters and indexes).
 */
export class TraceBlock {
  private index?: Promise<BlockIndex>;
  private bloom?: Promise<BloomFilter>;
  private search?: Promise<LazyColumns>;
  /** The data object kept open while the index is cached: a lookup is then one read of the trace's bytes. */
  private reader?: Promise<ObjectReader>;
  /** Bytes of search columns held in memory (0 when not loaded) and when they were last used. */
  searchBytes = 0;
  lastUsed = 0;
  /** Bytes of the decoded index held (0 when not loaded) and when it was last used. */
  indexBytes = 0;
  indexUsed = 0;

  constructor(
    private readonly store: ObjectStore,
    readonly dir: string,
    readonly meta: BlockMeta,
  ) {}

  private loadIndex(): Promise<BlockIndex> {
    this.indexUsed = performance.now();
    if (!this.index) {
      this.index = this.store.get(`${this.dir}/index`).then((b) => {
        this.indexBytes = b.length;
        return decodeIndex(b);
      });
      this.index.catch(() => (this.index = undefined));
      // The data object is open while the index is cached (opened beside the index read, not after it).
      void this.dataReader().catch(() => undefined);
    }
    return this.index;
  }

  /**
   * Take the index and bloom filter from the block's objects as just written (no read when they are first used), and
   * open its data object: the first lookup of a trace in it is one read.
   */
  warm(objects: { index: Uint8Array; bloom: Uint8Array }): void {
    const index = Buffer.from(objects.index.buffer, objects.index.byteOffset, objects.index.byteLength);
    this.index = Promise.resolve(decodeIndex(index));
    this.indexBytes = index.length;
    this.indexUsed = performance.now();
    this.bloom = Promise.resolve(BloomFilter.decode(new Uint8Array(objects.bloom)));
    void this.dataReader().catch(() => undefined);
  }

  /** Drop the cached index (memory pressure) and close the data object; the bloom filter (about 1.2 bytes a trace) stays. */
  evictIndex(): void {
    this.index = undefined;
    this.indexBytes = 0;
    this.closeReader();
  }

  /** Close the data object kept open for lookups (the block is evicted or deleted); a later lookup opens it again. */
  closeReader(): void {
    const r = this.reader;
    this.reader = undefined;
    void r?.then((x) => x.close()).catch(() => undefined);
  }

  private dataReader(): Promise<ObjectReader> {
    if (!this.reader) {
      const r = this.store.openReader(`${this.dir}/data`);
      this.reader = r;
      r.catch(() => {
        if (this.reader === r) this.reader = undefined;
      });
    }
    return this.reader;
  }

  private loadBloom(): Promise<BloomFilter> {
    this.bloom ??= this.store.get(`${this.dir}/bloom`).then((b) => BloomFilter.decode(new Uint8Array(b)));
    this.bloom.catch(() => (this.bloom = undefined));
    return this.bloom;
  }

  private loadLazy(): Promise<LazyColumns> {
    this.lastUsed = performance.now();
    this.search ??= LazyColumns.open((off, len) => this.store.getRange(`${this.dir}/search`, off, len));
    this.search.catch(() => (this.search = undefined));
    return this.search;
  }

  /** The search columns named (others are left empty); each is read from the object store once, then cached. */
  async loadSearch(names: readonly (keyof SearchArrays)[]): Promise<SearchColumns> {
    const lazy = await this.loadLazy();
    const out = { strings: lazy.strings, stringIds: this.stringIds(lazy) } as SearchColumns;
    const cols = await Promise.all(names.map((n) => lazy.column(n)));
    names.forEach((n, i) => ((out as unknown as Record<string, unknown>)[n] = cols[i]));
    this.searchBytes = lazy.bytes;
    return out;
  }

  private ids?: Map<string, number>;
  private stringIds(lazy: LazyColumns): Map<string, number> {
    this.ids ??= new Map(lazy.strings.map((x, i) => [x, i]));
    return this.ids;
  }

  /** Drop cached search columns (memory pressure). */
  evict(): void {
    this.search = undefined;
    this.ids = undefined;
    this.searchBytes = 0;
  }


  /**
   * The block's data object and its index — trace IDs in ID order, where each trace's encoded OTLP `TracesData` is
   * in the data object — as arrays of their own (transferable): the input of compaction.
   */
  async rawTraces(): Promise<{ data: Buffer; ids: Uint8Array; dataOff: Float64Array; dataLen: Float64Array }> {
    const ix = await this.loadIndex();
    const data = await this.store.get(`${this.dir}/data`);
    const n = this.meta.traces;
    return { data, ids: ix.ids.slice(0, 16 * n), dataOff: ix.dataOff.slice(0, n), dataLen: ix.dataLen.slice(0, n) };
  }

  /** The spans of a trace in this block, or undefined. `id` is 16 bytes. */
  async find(id: Uint8Array): Promise<SpanEntry[] | undefined> {
    const data = await this.findEncoded(id);
    return data && entriesOf(decodeTracesData(data));
  }

  /** A trace of this block as its encoded OTLP `TracesData` (decoded by the caller, who may count its bytes first), or undefined. */
  async findEncoded(id: Uint8Array): Promise<Uint8Array | undefined> {
    if (!(await this.loadBloom()).mayContain(id)) return undefined;
    const ix = await this.loadIndex();
    let lo = 0;
    let hi = this.meta.traces - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const c = Buffer.compare(Buffer.from(ix.ids.buffer, ix.ids.byteOffset + mid * 16, 16), Buffer.from(id.buffer, id.byteOffset, 16));
      if (c === 0) return (await this.dataReader()).read(ix.dataOff[mid], ix.dataLen[mid]);
      if (c < 0) lo = mid + 1;
      else hi = mid - 1;
    }
    return undefined;
  }

  /**
   * The traces overlapping [startMs, endMs] that have a span satisfying all `conditions` (all traces when none), in
   * trace-ID order, as their encoded bytes (a view of the object store's answer: copy before transferring it).
   */
  async *candidates(conditions: SpanCondition[], startMs: number, endMs: number): AsyncGenerator<{ id: string; data: Uint8Array }> {
    if (this.meta.maxEndMs < startMs || this.meta.minStartMs > endMs) return;
    const ix = await this.loadIndex();
    let preds: ColumnPredicate[] | null = [];
    let cols: SearchColumns | undefined;
    if (conditions.length > 0) {
      cols = await this.loadSearch(columnsFor(conditions));
      preds = compile(conditions, cols);
      if (preds === null) return; // a condition can never hold in this block
    }
    const matches = (i: number): boolean => {
      if (ix.tEnd[i] < startMs || ix.tStart[i] > endMs) return false;
      if (!cols || preds!.length === 0) return true;
      for (let s = ix.spanOff[i]; s < ix.spanOff[i + 1]; s++) {
        let all = true;
        for (const p of preds!) if (!p(s)) {
          all = false;
          break;
        }
        if (all) return true;
      }
      return false;
    };
    // Matching traces close together in the data object are read together (one range read for a run of them, at
    // most READ_RUN_BYTES, skipping gaps up to READ_GAP_BYTES): a full scan is a few reads, not one per trace.
    let i = 0;
    while (i < this.meta.traces) {
      if (!matches(i)) {
        i++;
        continue;
      }
      const run = [i];
      const from = ix.dataOff[i];
      let to = from + ix.dataLen[i];
      for (i++; i < this.meta.traces && ix.dataOff[i] + ix.dataLen[i] - from <= READ_RUN_BYTES && ix.dataOff[i] - to <= READ_GAP_BYTES; i++) {
        if (!matches(i)) continue;
        run.push(i);
        to = ix.dataOff[i] + ix.dataLen[i];
      }
      const buf = await this.store.getRange(`${this.dir}/data`, from, to - from);
      for (const j of run) {
        yield { id: Buffer.from(ix.ids.buffer, ix.ids.byteOffset + j * 16, 16).toString('hex'), data: buf.subarray(ix.dataOff[j] - from, ix.dataOff[j] - from + ix.dataLen[j]) };
      }
    }
  }

  /**
   * Distinct attribute keys by scope. `step` (the lookup's slice of the query lane, and its abort) is awaited every
   * `SCAN_STEP` column entries: one block with millions of attributes does not hold the event loop.
   */
  async tagNames(step: () => Promise<void>): Promise<{ span: Set<string>; resource: Set<string> }> {
    const c = await this.loadSearch(['aKey', 'rKey']);
    const names = async (keys: Uint32Array) => {
      const ids = new Set<number>();
      for (let i = 0; i < keys.length; i++) {
        if (i % SCAN_STEP === 0) await step();
        ids.add(keys[i]);
      }
      return new Set([...ids].map((id) => c.strings[id]));
    };
    return { span: await names(c.aKey), resource: await names(c.rKey) };
  }

  /**
   * Distinct values of an attribute (scope 'any' = span and resource), collected `into` until its limit; true when
   * it was reached (stop reading). Sliced as `tagNames`.
   */
  async tagValues(scope: 'span' | 'resource' | 'any', key: string, into: DistinctTagValues, step: () => Promise<void>): Promise<boolean> {
    const c = await this.loadSearch([...SPAN_ATTR_COLUMNS, ...RESOURCE_ATTR_COLUMNS]);
    const k = c.stringIds.get(key);
    if (k === undefined) return false;
    const add = async (keys: Uint32Array, types: Uint8Array, vals: Float64Array) => {
      for (let i = 0; i < keys.length; i++) {
        if (i % SCAN_STEP === 0) await step();
        if (keys[i] !== k) continue;
        const v: AttrValue = types[i] === ATTR_STRING ? c.strings[vals[i]] : types[i] === ATTR_NUMBER ? vals[i] : vals[i] === 1;
        if (into.collect(v)) return true;
      }
      return false;
    };
    if (scope !== 'resource' && (await add(c.aKey, c.aType, c.aVal))) return true;
    return scope !== 'span' && (await add(c.rKey, c.rType, c.rVal));
  }

  /** Distinct values of a string intrinsic column ('name', 'service'; not the empty string), as `tagValues`. */
  async intrinsicValues(name: 'name' | 'service', into: DistinctTagValues, step: () => Promise<void>): Promise<boolean> {
    const c = await this.loadSearch([name]);
    const col = c[name];
    const ids = new Set<number>();
    for (let i = 0; i < col.length; i++) {
      if (i % SCAN_STEP === 0) await step();
      ids.add(col[i]);
    }
    for (const id of ids) if (c.strings[id] !== '' && into.collect(c.strings[id])) return true;
    return false;
  }
}

/** Compile conditions to column predicates; null when one can never be true in this block. */
function compile(conditions: SpanCondition[], c: SearchColumns): ColumnPredicate[] | null {
  const out: ColumnPredicate[] = [];
  for (const cond of conditions) {
    const t = cond.target;
    const regex = cond.regex ?? (cond.op === '=~' || cond.op === '!~' ? anchoredRegex(String(cond.value)) : undefined);
    if (t.kind === 'intrinsic') {
      if (t.name === 'name') {
        if (cond.op === '=' && typeof cond.value === 'string') {
          const id = c.stringIds.get(cond.value);
          if (id === undefined) return null;
          out.push((s) => c.name[s] === id);
        } else {
          const memo = new Map<number, boolean>();
          out.push((s) => {
            const id = c.name[s];
            let r = memo.get(id);
            if (r === undefined) memo.set(id, (r = compareValues(cond.op, c.strings[id], cond.value, regex)));
            return r;
          });
        }
      } else if (t.name === 'status') out.push((s) => compareValues(cond.op, c.status[s], cond.value));
      else if (t.name === 'kind') out.push((s) => compareValues(cond.op, c.kind[s], cond.value));
      else if (t.name === 'duration') out.push((s) => compareValues(cond.op, c.dur[s], cond.value));
      // statusMessage is not a column: no pushdown.
      continue;
    }
    const key = c.stringIds.get(t.key);
    if (key === undefined) return null; // attribute never present in this block: no span can satisfy the condition
    const strVal = typeof cond.value === 'string' && (cond.op === '=' || cond.op === '!=') ? c.stringIds.get(cond.value) : undefined;
    const test = (type: number, raw: number): boolean => {
      if (type === ATTR_STRING) {
        if (strVal !== undefined) return cond.op === '=' ? raw === strVal : raw !== strVal;
        return compareValues(cond.op, c.strings[raw], cond.value, regex);
      }
      return compareValues(cond.op, type === ATTR_NUMBER ? raw : raw === 1, cond.value, regex);
    };
    const inSpan = (s: number) => {
      for (let j = c.aOff[s]; j < c.aOff[s + 1]; j++) if (c.aKey[j] === key) return test(c.aType[j], c.aVal[j]);
      return false;
    };
    const inRes = (s: number) => {
      const r = c.res[s];
      for (let j = c.rOff[r]; j < c.rOff[r + 1]; j++) if (c.rKey[j] === key) return test(c.rType[j], c.rVal[j]);
      return false;
    };
    if (t.scope === 'span') out.push(inSpan);
    else if (t.scope === 'resource') out.push(inRes);
    else out.push((s) => inSpan(s) || inRes(s));
  }
  return out;
}

import { Labels } from '../../model/index.js';
import type { IndexFileJson } from './index-file.js';
import { StreamIndex } from './stream-index.js';

/** A chunk in the object store, as its index file describes it. */
export interface ChunkRef {
  key: string;
  minT: bigint;
  maxT: bigint;
  entries: number;
  /** Uncompressed line bytes. */
  bytes: number;
  /** Object size. */
  size: number;
}

/** A stream with stored chunks. */
export interface StoredStream {
  labels: Labels;
  chunks: ChunkRef[];
}

/** The index files and chunks of one tenant and index period (retention deletes them together). */
export interface PeriodFiles {
  files: string[];
  chunks: Array<{ stream: string; ref: ChunkRef }>;
}

interface TenantIndex {
  streams: StreamIndex<StoredStream>;
  periods: Map<number, PeriodFiles>;
  /** Per period, per WAL identity: the highest first-segment-not-covered of the flushes that wrote it. */
  walMarks: Map<number, Map<string, number>>;
}

/** The in-memory index of every index file in the object store: per tenant, stored streams with postings and periods. */
export class ChunkIndex {
  private readonly tenants = new Map<string, TenantIndex>();

  private tenant(t: string): TenantIndex {
    let ti = this.tenants.get(t);
    if (!ti) this.tenants.set(t, (ti = { streams: new StreamIndex(), periods: new Map(), walMarks: new Map() }));
    return ti;
  }

  /** Stored streams of a tenant (undefined when it has none). */
  streams(tenant: string): StreamIndex<StoredStream> | undefined {
    return this.tenants.get(tenant)?.streams;
  }

  tenantIds(): string[] {
    return [...this.tenants.keys()];
  }

  periods(tenant: string): ReadonlyMap<number, PeriodFiles> {
    return this.tenants.get(tenant)?.periods ?? new Map();
  }

  /** Per index period: WAL segments of WAL `walId` below this are already in stored chunks. */
  flushedBefore(tenant: string, walId: string): Map<number, number> {
    const out = new Map<number, number>();
    for (const [period, byWal] of this.tenants.get(tenant)?.walMarks ?? []) {
      const before = byWal.get(walId);
      if (before !== undefined) out.set(period, before);
    }
    return out;
  }

  add(tenant: string, period: number, file: string, json: IndexFileJson): void {
    const ti = this.tenant(tenant);
    let pf = ti.periods.get(period);
    if (!pf) ti.periods.set(period, (pf = { files: [], chunks: [] }));
    pf.files.push(file);
    if (json.wal) {
      let byWal = ti.walMarks.get(period);
      if (!byWal) ti.walMarks.set(period, (byWal = new Map()));
      if (json.wal.before > (byWal.get(json.wal.id) ?? -1)) byWal.set(json.wal.id, json.wal.before);
    }
    for (const s of json.streams) {
      const labels = Labels.fromObject(s.labels);
      const key = labels.key();
      let ss = ti.streams.get(key);
      if (!ss) ti.streams.add(key, (ss = { labels, chunks: [] }));
      for (const c of s.chunks) {
        const ref: ChunkRef = { key: c.key, minT: BigInt(c.minT), maxT: BigInt(c.maxT), entries: c.entries, bytes: c.bytes, size: c.size };
        ss.chunks.push(ref);
        pf.chunks.push({ stream: key, ref });
      }
    }
  }

  /** Forget a period of a tenant (its streams keep their chunks of other periods). */
  dropPeriod(tenant: string, period: number): void {
    const ti = this.tenants.get(tenant);
    const pf = ti?.periods.get(period);
    if (!ti || !pf) return;
    for (const c of pf.chunks) {
      const ss = ti.streams.get(c.stream);
      if (!ss) continue;
      ss.chunks = ss.chunks.filter((r) => r !== c.ref);
      if (ss.chunks.length === 0) ti.streams.delete(c.stream);
    }
    ti.periods.delete(period);
    ti.walMarks.delete(period);
  }
}

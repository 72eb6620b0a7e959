import { closeSync, existsSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { Labels, type Exemplar, type MetricMetadata } from '../../src/model/index.js';
import type { Appendable, Appender, MetricsWalReader, SeriesRef, WalPosition } from '../../src/metrics/storage-api/index.js';
import { WriteAheadLog, listSegments, readFrames, segmentName } from '../../src/storage/index.js';

/**
 * TEST HELPER, not the product: a minimal metrics WAL (series and sample records over the shared
 * `WriteAheadLog`) with an `Appendable` writer and a `MetricsWalReader`, so the remote-write sender and the
 * receiver bench can run before the TSDB lands. Records: 1 = series (u32 ref, JSON flat labels), 2 = samples
 * (u32 n, then n × (f64 ref, f64 t, f64 v)).
 */
const SERIES = 1;
const SAMPLES = 2;

export class WalMetricsStore implements Appendable {
  readonly wal: WriteAheadLog;
  private readonly refs = new Map<string, number>();
  private nextRef = 1;
  samplesWritten = 0;

  constructor(readonly dir: string, fsyncIntervalMs = 1000) {
    this.wal = WriteAheadLog.open({ dir, fsyncIntervalMs }, (p) => {
      if (p[0] === SERIES) {
        const ref = p.readUInt32LE(1);
        const flat = JSON.parse(p.subarray(5).toString()) as string[];
        this.refs.set(Labels.fromSortedFlat(flat).key(), ref);
        this.nextRef = Math.max(this.nextRef, ref + 1);
      }
    }).wal;
  }

  appender(): Appender {
    let cap = 256;
    let buf = Buffer.allocUnsafe(5 + cap * 24);
    let n = 0;
    const newSeries: Buffer[] = [];
    const ref = (r: SeriesRef, labels: Labels): number => {
      if (r > 0) return r;
      const key = labels.key();
      let id = this.refs.get(key);
      if (id === undefined) {
        id = this.nextRef++;
        this.refs.set(key, id);
        const json = Buffer.from(JSON.stringify(labels.flat));
        const rec = Buffer.allocUnsafe(5 + json.length);
        rec[0] = SERIES;
        rec.writeUInt32LE(id, 1);
        json.copy(rec, 5);
        newSeries.push(rec);
      }
      return id;
    };
    return {
      append: (r, labels, t, v) => {
        const id = ref(r, labels);
        if (n === cap) {
          cap *= 2;
          const next = Buffer.allocUnsafe(5 + cap * 24);
          buf.copy(next, 0, 0, 5 + n * 24);
          buf = next;
        }
        const o = 5 + n * 24;
        buf.writeDoubleLE(id, o);
        buf.writeDoubleLE(t, o + 8);
        buf.writeDoubleLE(v, o + 16);
        n++;
        return id;
      },
      appendExemplar: (r: SeriesRef, labels: Labels, _e: Exemplar) => ref(r, labels),
      updateMetadata: (r: SeriesRef, labels: Labels, _m: MetricMetadata) => ref(r, labels),
      commit: async () => {
        for (const s of newSeries) this.wal.append(s);
        if (n > 0) {
          buf[0] = SAMPLES;
          buf.writeUInt32LE(n, 1);
          this.wal.append(buf.subarray(0, 5 + n * 24));
        }
        this.wal.flush();
        this.samplesWritten += n;
        n = 0;
        newSeries.length = 0;
      },
      rollback: () => {
        n = 0;
        newSeries.length = 0;
      },
    };
  }

  close(): void {
    this.wal.close();
  }
}

/** TEST HELPER: follows a `WalMetricsStore` directory from a position, reading segment files from disk. */
export class WalMetricsReader implements MetricsWalReader {
  private readonly series = new Map<number, Labels>();
  private pos: WalPosition;
  private readonly refs = new Float64Array(1 << 16);
  private readonly ts = new Float64Array(1 << 16);
  private readonly vs = new Float64Array(1 << 16);

  constructor(readonly dir: string, from?: WalPosition) {
    const segs = listSegments(dir);
    this.pos = from ?? { segment: segs[0] ?? 1, offset: 0 };
    // Learn every series recorded before the position.
    for (const s of segs) {
      if (s > this.pos.segment) break;
      const buf = readFileSync(join(dir, segmentName(s)));
      const limit = s === this.pos.segment ? this.pos.offset : buf.length;
      readFrames(buf.subarray(0, limit), 0, (p) => {
        if (p[0] === SERIES) this.series.set(p.readUInt32LE(1), Labels.fromSortedFlat(JSON.parse(p.subarray(5).toString()) as string[]));
      });
    }
  }

  /** Bytes of segment `seg` from `offset` towards its current end (at most `want`), read incrementally. */
  private tail(seg: number, offset: number, want: number): { buf: Buffer; more: boolean } {
    const path = join(this.dir, segmentName(seg));
    if (!existsSync(path)) return { buf: Buffer.alloc(0), more: false };
    const fd = openSync(path, 'r');
    try {
      const size = fstatSync(fd).size;
      const len = Math.max(0, Math.min(size - offset, want));
      const buf = Buffer.allocUnsafe(len);
      let got = 0;
      while (got < len) {
        const n = readSync(fd, buf, got, len - got, offset + got);
        if (n === 0) break;
        got += n;
      }
      return { buf: buf.subarray(0, got), more: offset + got < size };
    } finally {
      closeSync(fd);
    }
  }

  read(onSeries: (ref: SeriesRef, labels: Labels) => void, onSamples: (refs: Float64Array, t: Float64Array, v: Float64Array, n: number) => void, maxSamples: number): number {
    let total = 0;
    let want = Math.max(256 << 10, maxSamples * 24 + (64 << 10));
    while (total < maxSamples) {
      const { buf, more } = this.tail(this.pos.segment, this.pos.offset, want);
      let used = 0;
      readFrames(buf, 0, (p) => {
        if (total >= maxSamples) return;
        if (p[0] === SERIES) {
          const ref = p.readUInt32LE(1);
          const l = Labels.fromSortedFlat(JSON.parse(p.subarray(5).toString()) as string[]);
          this.series.set(ref, l);
          onSeries(ref, l);
        } else if (p[0] === SAMPLES) {
          const n = p.readUInt32LE(1);
          for (let i = 0; i < n; i += this.refs.length) {
            const k = Math.min(this.refs.length, n - i);
            for (let j = 0; j < k; j++) {
              const o = 5 + (i + j) * 24;
              this.refs[j] = p.readDoubleLE(o);
              this.ts[j] = p.readDoubleLE(o + 8);
              this.vs[j] = p.readDoubleLE(o + 16);
            }
            onSamples(this.refs, this.ts, this.vs, k);
          }
          total += n;
        }
        used += 8 + p.length;
      });
      this.pos = { segment: this.pos.segment, offset: this.pos.offset + used };
      if (total >= maxSamples) break;
      if (more) {
        // The window ended before the segment did: read on (with a larger window if not even one record fitted).
        if (used === 0) want *= 2;
        continue;
      }
      // At the end of this segment: move on only when a later one exists (this one is then complete).
      const later = listSegments(this.dir).find((s) => s > this.pos.segment);
      if (later === undefined || used < buf.length) break;
      this.pos = { segment: later, offset: 0 };
    }
    return total;
  }

  position(): WalPosition {
    return { ...this.pos };
  }

  seriesLabels(ref: SeriesRef): Labels | undefined {
    return this.series.get(ref);
  }

  close(): void {}
}

import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import type { FloatHistogram, Labels } from '../../model/index.js';
import type { MetricsWalReader, SeriesRef, WalPosition } from '../storage-api/interface.js';
import { FRAME_HEADER, listSegments, segmentName } from '../../storage/index.js';
import { latestCheckpoint, readCheckpoint } from './checkpoint.js';
import { fromSpanHistogram } from './histogram-conversion.js';
import { decodeRecord } from './wal-records.js';

const READ_SIZE = 4 << 20;

/**
 * Follows the metrics WAL from a position (see `MetricsWalReader`). Reads whole frames only: a frame that is still
 * being written (or torn) is left for the next call.
 */
export class TsdbWalReader implements MetricsWalReader {
  private readonly series = new Map<number, Labels>();
  private seg: number;
  private off: number;
  private buf = Buffer.allocUnsafe(READ_SIZE);
  private closed = false;
  private checkpointIndex = -1;

  constructor(
    private readonly dir: string,
    from: WalPosition,
  ) {
    this.seg = from.segment;
    this.off = from.offset;
    const cp = latestCheckpoint(dir);
    const learn = { series: (ref: number, labels: Labels) => void this.series.set(ref, labels) };
    if (cp) {
      readCheckpoint(cp.path, (p) => decodeRecord(p, learn));
      this.checkpointIndex = cp.index;
    }
    // Learn the series recorded before the starting position.
    for (const s of listSegments(dir)) {
      if (s > from.segment || (cp && s < cp.index)) continue;
      const limit = s === from.segment ? from.offset : Infinity;
      this.scan(s, 0, limit, (p) => decodeRecord(p, learn));
    }
  }

  /** Call fn for whole frames of segment `seg` from `start` while below `limit`; returns the offset reached. */
  private scan(seg: number, start: number, limit: number, fn: (payload: Buffer) => boolean | void): number {
    let fd: number;
    try {
      fd = openSync(join(this.dir, segmentName(seg)), 'r');
    } catch {
      return start;
    }
    try {
      const size = Math.min(fstatSync(fd).size, limit);
      let pos = start;
      while (pos + FRAME_HEADER <= size) {
        const hdr = this.pread(fd, pos, FRAME_HEADER);
        const len = hdr.readUInt32LE(0);
        const sum = hdr.readUInt32LE(4);
        if (pos + FRAME_HEADER + len > size) break;
        const payload = this.pread(fd, pos + FRAME_HEADER, len);
        if (crc32(payload) !== sum) break;
        pos += FRAME_HEADER + len;
        if (fn(payload) === false) break;
      }
      return pos;
    } finally {
      closeSync(fd);
    }
  }

  private pread(fd: number, pos: number, len: number): Buffer {
    if (this.buf.length < len) this.buf = Buffer.allocUnsafe(len);
    let got = 0;
    while (got < len) {
      const n = readSync(fd, this.buf, got, len - got, pos + got);
      if (n === 0) break;
      got += n;
    }
    return this.buf.subarray(0, len);
  }

  read(
    onSeries: (ref: SeriesRef, labels: Labels) => void,
    onSamples: (refs: Float64Array, t: Float64Array, v: Float64Array, n: number) => void,
    maxSamples: number,
    onHistogram?: (ref: SeriesRef, t: number, h: FloatHistogram, float: boolean) => void,
  ): number {
    if (this.closed) return 0;
    let total = 0;
    for (;;) {
      const segs = listSegments(this.dir);
      if (!segs.includes(this.seg)) {
        // Deleted by a WAL truncation: its samples are gone (they are in blocks); the series it defined that are
        // still alive are in the checkpoint written at the same time.
        const later = segs.find((s) => s > this.seg);
        if (later === undefined) return total;
        this.seg = later;
        this.off = 0;
        const cp = latestCheckpoint(this.dir);
        if (cp && cp.index > this.checkpointIndex) {
          this.checkpointIndex = cp.index;
          readCheckpoint(cp.path, (p) =>
            decodeRecord(p, {
              series: (ref, labels) => {
                const known = this.series.get(ref);
                if (known !== undefined && known.equals(labels)) return;
                this.series.set(ref, labels);
                onSeries(ref, labels);
              },
            }),
          );
        }
      }
      this.off = this.scan(this.seg, this.off, Infinity, (p) => {
        decodeRecord(p, {
          series: (ref, labels) => {
            this.series.set(ref, labels);
            onSeries(ref, labels);
          },
          samples: (refs, t, v, n) => {
            total += n;
            onSamples(refs, t, v, n);
          },
          histogram: onHistogram
            ? (s, float) => {
                total++;
                onHistogram(s.ref, s.t, fromSpanHistogram(s.h, s.hint), float);
              }
            : undefined,
        });
        return total < maxSamples;
      });
      if (total >= maxSamples) return total;
      // Move on only when a later segment exists (the current one is then complete).
      const next = listSegments(this.dir).find((s) => s > this.seg);
      if (next === undefined) return total;
      this.seg = next;
      this.off = 0;
    }
  }

  position(): WalPosition {
    return { segment: this.seg, offset: this.off };
  }

  seriesLabels(ref: SeriesRef): Labels | undefined {
    return this.series.get(ref);
  }

  close(): void {
    this.closed = true;
  }
}

import { close, closeSync, fsync, fsyncSync, ftruncateSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, statSync, truncateSync, writeSync, writevSync } from 'node:fs';
import { join } from 'node:path';
import { FRAME_HEADER, readFrames, writeFrame, writeFrameHeader } from './record-framing.js';

export interface WalOptions {
  dir: string;
  /** A new segment is started when the current one would exceed this (default 128 MiB). */
  segmentSize?: number;
  /**
   * fsync at most this often (ms). `flush()` already hands every record to the OS with a write, which survives a
   * process crash (`kill -9`); fsync protects against a machine crash. 0 = fsync on every flush.
   */
  fsyncIntervalMs?: number;
  /**
   * Run the interval's fsyncs, and that of a segment being closed, on the thread pool instead of blocking the caller
   * (only with `fsyncIntervalMs` > 0: those syncs guard against a machine crash, nobody waits for them). A failed
   * background fsync is thrown by the next `flush`.
   */
  backgroundSync?: boolean;
}

export interface ReplayStats {
  segments: number;
  records: number;
  bytes: number;
  /** Set when a corrupt or torn tail was found and cut off. */
  repaired?: { segment: number; offset: number; reason: string };
}

const SEGMENT_NAME = /^\d{8}$/;

export function segmentName(n: number): string {
  return String(n).padStart(8, '0');
}

/** Sorted segment numbers in a WAL directory. */
export function listSegments(dir: string): number[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((n) => SEGMENT_NAME.test(n))
    .map(Number)
    .sort((a, b) => a - b);
}

/**
 * A segmented write-ahead log of opaque records, shared by every pillar. Records appended are buffered in memory
 * until `flush()`, which writes them to the segment file with one `write` — after that they survive a crash of
 * the process. Callers acknowledge nothing before `flush()` returns.
 *
 * Opening replays every segment in order; a torn or corrupt tail is cut off (and any later segments removed), then
 * writing continues in a new segment.
 */
export class WriteAheadLog {
  private fd = -1;
  private segment = 0;
  private segmentBytes = 0;
  private pending: Buffer = Buffer.allocUnsafe(1 << 16);
  private pendingLen = 0;
  /**
   * What `flush` writes, in order, when `appendParts` referenced large parts instead of copying them: views of
   * `pending` up to `sealedTo`, and the caller's parts. Empty when everything is in `pending`.
   */
  private chunks: Uint8Array[] = [];
  private sealedTo = 0;
  /** Bytes buffered in all: `pending` and the referenced parts. */
  private pendingBytes = 0;
  private lastSync = Date.now();
  private dirty = false;
  private closed = false;
  readonly segmentSize: number;
  readonly fsyncIntervalMs: number;
  private readonly backgroundSync: boolean;
  /** Files with background fsyncs running (how many), those to close when theirs end, and a failure to report. */
  private readonly syncsRunning = new Map<number, number>();
  private readonly closeAfterSync = new Set<number>();
  private syncError: Error | undefined;

  private constructor(readonly dir: string, opts: WalOptions) {
    this.segmentSize = opts.segmentSize ?? 128 * 1024 * 1024;
    this.fsyncIntervalMs = opts.fsyncIntervalMs ?? 1000;
    this.backgroundSync = (opts.backgroundSync ?? false) && this.fsyncIntervalMs > 0;
  }

  /** Open (creating if needed), replay existing records through `onRecord`, and start a fresh segment. */
  static open(opts: WalOptions, onRecord: (payload: Buffer, segment: number) => void = () => {}): { wal: WriteAheadLog; stats: ReplayStats } {
    mkdirSync(opts.dir, { recursive: true });
    const wal = new WriteAheadLog(opts.dir, opts);
    const stats = wal.replay(onRecord);
    const segs = listSegments(opts.dir);
    wal.openSegment((segs.at(-1) ?? 0) + 1);
    return { wal, stats };
  }

  private replay(onRecord: (payload: Buffer, segment: number) => void): ReplayStats {
    const segs = listSegments(this.dir);
    const stats: ReplayStats = { segments: segs.length, records: 0, bytes: 0 };
    for (let i = 0; i < segs.length; i++) {
      const path = join(this.dir, segmentName(segs[i]));
      const buf = readFileSync(path);
      stats.bytes += buf.length;
      let undecodable: unknown;
      const r = readFrames(buf, 0, (p) => {
        try {
          onRecord(p, segs[i]);
        } catch (e) {
          // A record that passed its checksum but does not decode is treated like corruption: the log ends here.
          undecodable = e;
          return false;
        }
        stats.records++;
        return true;
      });
      if (undecodable !== undefined && !r.ok) r.reason = `record does not decode: ${(undecodable as Error).message}`;
      if (r.end < buf.length) {
        // Torn write (incomplete frame) or corruption: keep what is valid, drop the rest and any later segments.
        stats.repaired = { segment: segs[i], offset: r.end, reason: r.ok ? 'incomplete record at end of segment' : r.reason };
        truncateSync(path, r.end);
        for (const later of segs.slice(i + 1)) rmSync(join(this.dir, segmentName(later)), { force: true });
        stats.segments = i + 1;
        break;
      }
    }
    return stats;
  }

  private openSegment(n: number): void {
    if (this.fd >= 0) {
      if (this.backgroundSync) this.syncInBackground(this.fd);
      else fsyncSync(this.fd);
      this.closeFile(this.fd);
    }
    this.segment = n;
    this.fd = openSync(join(this.dir, segmentName(n)), 'a');
    this.segmentBytes = statSync(join(this.dir, segmentName(n))).size;
  }

  /** The segment records are currently written to. */
  get currentSegment(): number {
    return this.segment;
  }

  /** Buffer one record; it is not durable until `flush()`. */
  append(payload: Uint8Array): void {
    if (this.closed) throw new Error('write-ahead log is closed');
    const need = FRAME_HEADER + payload.length;
    this.reserve(need);
    this.pendingLen = writeFrame(this.pending, this.pendingLen, payload);
    this.pendingBytes += need;
  }

  /**
   * Buffer one record whose payload is `parts` concatenated. Parts of 4 KiB and more are not copied: `flush`
   * writes them from the caller's memory (one `writev`), so they must not change until it returns.
   */
  appendParts(parts: readonly Uint8Array[]): void {
    if (this.closed) throw new Error('write-ahead log is closed');
    this.reserve(FRAME_HEADER);
    this.pendingLen = writeFrameHeader(this.pending, this.pendingLen, parts);
    this.pendingBytes += FRAME_HEADER;
    for (const p of parts) {
      this.pendingBytes += p.length;
      if (p.length < 4096) {
        this.reserve(p.length);
        this.pending.set(p, this.pendingLen);
        this.pendingLen += p.length;
        continue;
      }
      if (this.pendingLen > this.sealedTo) this.chunks.push(this.pending.subarray(this.sealedTo, this.pendingLen));
      this.sealedTo = this.pendingLen;
      this.chunks.push(p);
    }
  }

  /** Room for `n` more bytes in `pending` (views already sealed keep the old buffer alive). */
  private reserve(n: number): void {
    if (this.pendingLen + n <= this.pending.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.pending.length * 2, this.pendingLen + n));
    this.pending.copy(next, 0, 0, this.pendingLen);
    this.pending = next;
  }

  /** Write buffered records to the segment file (one write or writev); fsync if the interval has passed. */
  flush(): void {
    if (this.syncError) {
      const e = this.syncError;
      this.syncError = undefined;
      this.clearPending();
      throw e;
    }
    const total = this.pendingBytes;
    if (total === 0) return;
    if (this.segmentBytes > 0 && this.segmentBytes + total > this.segmentSize) this.openSegment(this.segment + 1);
    let off = 0;
    try {
      if (this.chunks.length === 0) while (off < total) off += writeSync(this.fd, this.pending, off, total - off);
      else {
        if (this.pendingLen > this.sealedTo) this.chunks.push(this.pending.subarray(this.sealedTo, this.pendingLen));
        off = writeAllv(this.fd, this.chunks, total);
      }
    } catch (e) {
      // The caller reports this batch as failed; it must not be written later with another batch. Cut any partial
      // frame off so the segment stays readable.
      const partial = off > 0 || this.chunks.length > 0;
      this.clearPending();
      if (partial) ftruncateSync(this.fd, this.segmentBytes);
      throw e;
    }
    this.segmentBytes += total;
    this.clearPending();
    this.dirty = true;
    if (this.fsyncIntervalMs === 0 || Date.now() - this.lastSync >= this.fsyncIntervalMs) this.sync();
    if (this.pending.length > 1 << 24) this.pending = Buffer.allocUnsafe(1 << 16);
  }

  private clearPending(): void {
    this.pendingLen = 0;
    this.pendingBytes = 0;
    this.sealedTo = 0;
    this.chunks = [];
  }

  sync(): void {
    if (!this.dirty || this.fd < 0) return;
    if (this.backgroundSync) {
      // One at a time: while one runs the log stays dirty and the next flush starts another once it ended.
      if (this.syncsRunning.has(this.fd)) return;
      this.syncInBackground(this.fd);
    } else fsyncSync(this.fd);
    this.dirty = false;
    this.lastSync = Date.now();
  }

  private syncInBackground(fd: number): void {
    this.syncsRunning.set(fd, (this.syncsRunning.get(fd) ?? 0) + 1);
    fsync(fd, (err) => {
      if (err) this.syncError ??= err;
      const left = this.syncsRunning.get(fd)! - 1;
      if (left > 0) return void this.syncsRunning.set(fd, left);
      this.syncsRunning.delete(fd);
      if (this.closeAfterSync.delete(fd)) close(fd, () => {});
    });
  }

  /** Close a segment file now, or once the background fsyncs using it have ended. */
  private closeFile(fd: number): void {
    if (this.syncsRunning.has(fd)) this.closeAfterSync.add(fd);
    else closeSync(fd);
  }

  /** Start a new segment now (e.g. before a checkpoint); returns its number. Earlier segments are then complete. */
  cut(): number {
    this.flush();
    this.openSegment(this.segment + 1);
    return this.segment;
  }

  /** Delete every segment numbered below `segment` (their contents are persisted elsewhere). */
  truncateBefore(segment: number): void {
    for (const s of listSegments(this.dir)) {
      if (s < segment && s !== this.segment) rmSync(join(this.dir, segmentName(s)), { force: true });
    }
  }

  /** Total bytes of all segments on disk. */
  diskSize(): number {
    let n = 0;
    for (const s of listSegments(this.dir)) n += statSync(join(this.dir, segmentName(s))).size;
    return n;
  }

  close(): void {
    if (this.closed) return;
    this.flush();
    fsyncSync(this.fd);
    this.closeFile(this.fd);
    this.fd = -1;
    this.closed = true;
  }
}

/** `writev` every byte of `chunks` (`total` bytes), going on after partial writes; returns the bytes written. */
function writeAllv(fd: number, chunks: Uint8Array[], total: number): number {
  let off = writevSync(fd, chunks);
  while (off < total) {
    // Resume from the first chunk not fully written.
    let i = 0;
    let into = off;
    while (into >= chunks[i].length) into -= chunks[i++].length;
    off += writevSync(fd, [chunks[i].subarray(into), ...chunks.slice(i + 1)]);
  }
  return off;
}

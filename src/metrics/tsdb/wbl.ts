import { WriteAheadLog, listSegments } from '../../storage/index.js';
import { ByteWriter } from './byte-codec.js';
import { decodeRecord, encodeSamples } from './wal-records.js';

const SAMPLES_PER_RECORD = 10_000;

export interface WblOptions {
  /** `<tsdb dir>/wbl`, as Prometheus names it. */
  dir: string;
  fsyncIntervalMs?: number;
  segmentSize?: number;
}

/**
 * The write-behind log of out-of-order samples (Prometheus's WBL, `dir/wbl/`): segments of the shared
 * `WriteAheadLog` holding sample records in the WAL's own format (type 2), written after the samples went into the
 * out-of-order head and flushed before the commit returns, so an acknowledged out-of-order sample survives kill -9.
 * Series records stay in the WAL: replay resolves the refs through the series the WAL replay created.
 */
export class WriteBehindLog {
  private readonly w = new ByteWriter(1 << 14);
  truncations = 0;

  private constructor(private readonly wal: WriteAheadLog) {}

  /** Open the log, replaying every sample record through `onSamples` (a malformed record is reported and skipped). */
  static open(opts: WblOptions, onSamples: (refs: Float64Array, ts: Float64Array, vs: Float64Array, n: number) => void, onCorrupt: (e: unknown) => void): WriteBehindLog {
    const { wal, stats } = WriteAheadLog.open({ dir: opts.dir, fsyncIntervalMs: opts.fsyncIntervalMs, segmentSize: opts.segmentSize }, (p) => {
      try {
        decodeRecord(p, { samples: onSamples });
      } catch (e) {
        onCorrupt(e);
      }
    });
    if (stats.repaired) onCorrupt(new Error(`WBL had a torn or corrupt tail (segment ${stats.repaired.segment}, offset ${stats.repaired.offset}): cut off`));
    return new WriteBehindLog(wal);
  }

  /** Log samples [0, n) and flush them (one write). */
  log(refs: Uint32Array, ts: Float64Array, vs: Float64Array, n: number): void {
    for (let i = 0; i < n; i += SAMPLES_PER_RECORD) {
      this.w.reset();
      encodeSamples(this.w, refs, ts, vs, i, Math.min(n, i + SAMPLES_PER_RECORD));
      this.wal.append(this.w.view());
    }
    this.wal.flush();
  }

  /** Start a new segment; the ones before it then hold only samples logged so far. */
  cut(): number {
    return this.wal.cut();
  }

  /** Delete the segments before `segment` (their samples are in blocks now). */
  truncateBefore(segment: number): void {
    if (listSegments(this.wal.dir).some((s) => s < segment)) {
      this.wal.truncateBefore(segment);
      this.truncations++;
    }
  }

  get currentSegment(): number {
    return this.wal.currentSegment;
  }

  diskSize(): number {
    return this.wal.diskSize();
  }

  close(): void {
    this.wal.close();
  }
}

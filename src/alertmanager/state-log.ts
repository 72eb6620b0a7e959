import { WriteAheadLog } from '../storage/index.js';

/**
 * Durable state for silences and the notification log: every change is one JSON record appended to the shared
 * write-ahead log and flushed before it is acknowledged (survives `kill -9`); `checkpoint` writes the whole live
 * state into a fresh segment and drops the older ones (Alertmanager's snapshot, without a separate file). Replay
 * applies records in order, later ones replacing earlier ones with the same key.
 */
export class StateLog<T> {
  private constructor(private readonly wal: WriteAheadLog) {}

  static open<T>(dir: string, fsyncIntervalMs: number, onRecord: (rec: T) => void): StateLog<T> {
    const { wal } = WriteAheadLog.open({ dir, fsyncIntervalMs, segmentSize: 64 * 1024 * 1024 }, (payload) => {
      let rec: T;
      try {
        rec = JSON.parse(payload.toString('utf8')) as T;
      } catch {
        return; // a record that is not JSON cannot have come from us; the CRC already vouched for the frame
      }
      onRecord(rec);
    });
    return new StateLog<T>(wal);
  }

  /** Append and flush: durable against a process crash when this returns. */
  write(...recs: T[]): void {
    for (const r of recs) this.wal.append(Buffer.from(JSON.stringify(r), 'utf8'));
    this.wal.flush();
  }

  /** Replace the log by `live` (the complete current state); returns the bytes of the records written. */
  checkpoint(live: Iterable<T>): number {
    const seg = this.wal.cut();
    let bytes = 0;
    for (const r of live) {
      const b = Buffer.from(JSON.stringify(r), 'utf8');
      bytes += b.length;
      this.wal.append(b);
    }
    this.wal.flush();
    this.wal.sync();
    this.wal.truncateBefore(seg);
    return bytes;
  }

  close(): void {
    this.wal.close();
  }
}

import { StateLog } from '../state-log.js';
import type { StateMetrics } from '../state-metrics.js';

/** One notification-log entry: what was last sent for a group to one integration of a receiver. */
export interface NflogEntry {
  groupKey: string;
  /** `<receiver>/<integration>/<index>`. */
  receiver: string;
  timestamp: number;
  firingAlerts: string[];
  resolvedAlerts: string[];
  expiresAt: number;
}

const key = (groupKey: string, receiver: string) => `${groupKey}\u0000${receiver}`;

/**
 * Alertmanager's notification log: the dedup stage reads it, a successful send writes it. Persisted with a
 * write-ahead state log, so that a restart does not re-send what was already sent within the repeat interval.
 */
export class NotificationLog {
  private readonly entries = new Map<string, NflogEntry>();
  private log: StateLog<NflogEntry> | undefined;
  /** Counts and times queries and maintenance when set. */
  metrics: StateMetrics | undefined;

  constructor(
    private readonly retentionMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  openLog(dir: string, fsyncIntervalMs: number): void {
    this.log = StateLog.open<NflogEntry>(dir, fsyncIntervalMs, (e) => {
      const k = key(e.groupKey, e.receiver);
      const prev = this.entries.get(k);
      if (!prev || prev.timestamp <= e.timestamp) this.entries.set(k, e);
    });
  }

  get(groupKey: string, receiver: string): NflogEntry | undefined {
    const f = () => {
      const e = this.entries.get(key(groupKey, receiver));
      return e && e.expiresAt > this.now() ? e : undefined;
    };
    return this.metrics ? this.metrics.query(f) : f();
  }

  record(groupKey: string, receiver: string, firingAlerts: string[], resolvedAlerts: string[], expiryMs = this.retentionMs): void {
    const now = this.now();
    const e: NflogEntry = { groupKey, receiver, timestamp: now, firingAlerts, resolvedAlerts, expiresAt: now + expiryMs };
    this.log?.write(e);
    this.entries.set(key(groupKey, receiver), e);
  }

  /** The live entries (the state that a snapshot holds). */
  list(): NflogEntry[] {
    return [...this.entries.values()];
  }

  /** Take in entries from elsewhere (a state snapshot in the object store), each kept when newer than the one here. */
  merge(entries: readonly NflogEntry[]): number {
    const newer = entries.filter((e) => e.timestamp > (this.entries.get(key(e.groupKey, e.receiver))?.timestamp ?? -Infinity));
    if (newer.length > 0) this.log?.write(...newer);
    for (const e of newer) this.entries.set(key(e.groupKey, e.receiver), e);
    return newer.length;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Drop expired entries and rewrite the log with the live ones (Alertmanager's GC + snapshot). */
  maintenance(): void {
    const gc = () => {
      const now = this.now();
      for (const [k, e] of this.entries) if (e.expiresAt <= now) this.entries.delete(k);
    };
    const snapshot = () => this.log?.checkpoint(this.entries.values()) ?? 0;
    if (this.metrics) this.metrics.maintain(gc, snapshot);
    else {
      gc();
      snapshot();
    }
  }

  close(): void {
    this.log?.close();
    this.log = undefined;
  }
}

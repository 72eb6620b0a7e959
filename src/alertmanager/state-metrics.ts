import { Counter, Gauge, Histogram, Summary, type Registry } from 'prom-client';

/**
 * The metrics Alertmanager 0.25 keeps for each of its two persisted states, silences and the notification log
 * (`alertmanager_<what>_…`): queries and their duration, GC and snapshot duration, snapshot size. Gossip stays 0:
 * there is no cluster.
 */
export class StateMetrics {
  readonly queries: Counter;
  readonly queryErrors: Counter;
  readonly queryDuration: Histogram;
  readonly gcDuration: Summary;
  readonly snapshotDuration: Summary;
  readonly snapshotSize: Gauge;

  constructor(r: Registry, what: 'silences' | 'nflog', noun: string) {
    const p = `alertmanager_${what}`;
    this.gcDuration = new Summary({ name: `${p}_gc_duration_seconds`, help: `Duration of the last ${noun} garbage collection cycle.`, percentiles: [], registers: [r] });
    this.snapshotDuration = new Summary({ name: `${p}_snapshot_duration_seconds`, help: `Duration of the last ${noun} snapshot.`, percentiles: [], registers: [r] });
    this.snapshotSize = new Gauge({ name: `${p}_snapshot_size_bytes`, help: `Size of the last ${noun} snapshot in bytes.`, registers: [r] });
    this.queries = new Counter({ name: `${p}_queries_total`, help: what === 'silences' ? 'How many silence queries were received.' : 'Number of notification log queries were received.', registers: [r] });
    this.queryErrors = new Counter({ name: `${p}_query_errors_total`, help: what === 'silences' ? 'How many silence received queries did not succeed.' : 'Number notification log received queries that failed.', registers: [r] });
    this.queryDuration = new Histogram({ name: `${p}_query_duration_seconds`, help: `Duration of ${noun} query evaluation.`, registers: [r] });
    new Counter({ name: `${p}_gossip_messages_propagated_total`, help: 'Number of received gossip messages that have been further gossiped.', registers: [r] });
  }

  /** Run a query, counting and timing it. */
  query<T>(f: () => T): T {
    const t0 = performance.now();
    this.queries.inc();
    try {
      return f();
    } catch (e) {
      this.queryErrors.inc();
      throw e;
    } finally {
      this.queryDuration.observe((performance.now() - t0) / 1000);
    }
  }

  /** GC (`gc` returns nothing) then snapshot (`snapshot` returns the bytes written), each timed. */
  maintain(gc: () => void, snapshot: () => number): void {
    const t0 = performance.now();
    gc();
    const t1 = performance.now();
    this.gcDuration.observe((t1 - t0) / 1000);
    this.snapshotSize.set(snapshot());
    this.snapshotDuration.observe((performance.now() - t1) / 1000);
  }
}

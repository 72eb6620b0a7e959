import type { Registry } from 'prom-client';

/** The per-file metrics, in Promtail's names: one series per tailed path of each. */
const COLUMNS = [
  { name: 'promtail_read_bytes_total', help: 'Number of bytes read.', type: 'counter' },
  { name: 'promtail_read_lines_total', help: 'Number of lines read.', type: 'counter' },
  { name: 'promtail_file_bytes_total', help: 'Number of bytes total.', type: 'gauge' },
] as const;

/** A column of the table: `READ_BYTES`, `READ_LINES`, `FILE_BYTES`. */
export const READ_BYTES = 0;
export const READ_LINES = 1;
export const FILE_BYTES = 2;

/**
 * The per-path series of `promtail_read_bytes_total`, `promtail_read_lines_total` and `promtail_file_bytes_total`,
 * kept as one row of numbers per tailed file and turned into series only when `/metrics` is scraped. prom-client
 * keeps a series as objects (a label object, a hash string, a value object: ~620 bytes for the three of a path) and
 * hashes the label set on every `inc`; a node agent tails a thousand files (docs/agent.md, Figures). A path's row is
 * taken by its reader (`open`) and given back when the file is gone (`close`), when Promtail deletes the path's
 * series too.
 */
export class PathSeries {
  private readonly slots = new Map<string, number>();
  private paths: Array<string | undefined> = [];
  private values = new Float64Array(3 * 64);
  private readonly free: number[] = [];

  /** Registers the three metrics in `registry`. */
  constructor(registry: Registry) {
    for (let c = 0; c < COLUMNS.length; c++) registry.registerMetric(this.metric(c) as never);
  }

  /** The row of `path` (a new one at zero, or the one still held for it). */
  open(path: string): number {
    const known = this.slots.get(path);
    if (known !== undefined) return known;
    let slot = this.free.pop();
    if (slot === undefined) {
      slot = this.paths.length;
      this.paths.push(undefined);
      if (3 * this.paths.length > this.values.length) {
        const grown = new Float64Array(this.values.length * 2);
        grown.set(this.values);
        this.values = grown;
      }
    }
    this.paths[slot] = path;
    this.values.fill(0, 3 * slot, 3 * slot + 3);
    this.slots.set(path, slot);
    return slot;
  }

  /** The path's series end (its file is gone); the row is reused. */
  close(slot: number): void {
    const path = this.paths[slot];
    if (path === undefined) return;
    this.slots.delete(path);
    this.paths[slot] = undefined;
    this.free.push(slot);
  }

  add(slot: number, column: number, n: number): void {
    this.values[3 * slot + column] += n;
  }

  set(slot: number, column: number, v: number): void {
    this.values[3 * slot + column] = v;
  }

  /** The value of a path's series, or undefined when no reader holds the path. */
  get(path: string, column: number): number | undefined {
    const slot = this.slots.get(path);
    return slot === undefined ? undefined : this.values[3 * slot + column];
  }

  /** A metric as prom-client's registry reads it (`get`, `reset`), built from the table when scraped. */
  private metric(column: number) {
    const { name, help, type } = COLUMNS[column];
    return {
      name,
      help,
      type,
      aggregator: 'sum',
      get: () => {
        const values: Array<{ labels: { path: string }; value: number }> = [];
        for (let slot = 0; slot < this.paths.length; slot++) {
          const path = this.paths[slot];
          if (path !== undefined) values.push({ labels: { path }, value: this.values[3 * slot + column] });
        }
        return { name, help, type, aggregator: 'sum', values };
      },
      reset: () => {
        for (let slot = 0; slot < this.paths.length; slot++) this.values[3 * slot + column] = 0;
      },
    };
  }
}

import type { Logger } from 'pino';
import type { AgentMetrics } from '../agent-metrics.js';
import type { LogEntry, RawEntry } from '../entry.js';
import type { Positions } from '../positions/positions.js';
import { isCompressedFile } from './compressed.js';
import { FileReader } from './file-reader.js';
import { PathGlob } from './glob.js';

export interface FileTargetOptions {
  path: string;
  exclude?: string;
  labels: Record<string, string>;
  /** The discovered labels before relabeling, for `/targets`. */
  discoveredLabels: Record<string, string>;
  positions: Positions;
  handle: (e: LogEntry) => void;
  handleRaw?: (e: RawEntry) => void;
  ready: () => Promise<void> | undefined;
  pollMs: number;
  encoding?: string;
  maxLineBytes: number;
  ticketBytes?: number;
  truncateLongLines: boolean;
  decompression: boolean;
  metrics: AgentMetrics;
  logger: Logger;
}

/**
 * One `__path__` glob with its labels: finds the matching files (on start and every `sync_period`) and runs one
 * reader per file; each file's entries carry the target's labels plus `filename`.
 */
export class FileTarget {
  readonly readers = new Map<string, FileReader>();
  private readonly glob: PathGlob;
  private readonly exclude: PathGlob | undefined;
  private stopped = false;
  /** Every reader's `onFinished`: one function for all (docs/agent.md, per-file state). */
  private readonly forget = (r: FileReader): void => {
    if (this.readers.get(r.path) === r) this.readers.delete(r.path);
  };

  constructor(readonly opts: FileTargetOptions) {
    this.glob = new PathGlob(opts.path);
    this.exclude = opts.exclude ? new PathGlob(opts.exclude) : undefined;
  }

  get labels(): Record<string, string> {
    return this.opts.labels;
  }

  /** Start readers for new matching files. */
  sync(): void {
    if (this.stopped) return;
    for (const path of this.glob.expand()) {
      if (this.readers.has(path)) continue;
      if (this.exclude?.match(path)) continue;
      if (!this.opts.decompression && isCompressedFile(path)) continue;
      const labels = { ...this.opts.labels, filename: path };
      const r = new FileReader({
        path,
        labels,
        positions: this.opts.positions,
        handle: this.opts.handle,
        handleRaw: this.opts.handleRaw,
        ready: this.opts.ready,
        pollMs: this.opts.pollMs,
        encoding: this.opts.encoding,
        maxLineBytes: this.opts.maxLineBytes,
        ticketBytes: this.opts.ticketBytes,
        truncateLongLines: this.opts.truncateLongLines,
        metrics: this.opts.metrics,
        logger: this.opts.logger,
        onFinished: this.forget,
      });
      this.readers.set(path, r);
      this.opts.logger.info({ path }, 'tailing new file');
      r.start();
    }
  }

  /** Wake every reader (a filesystem event). */
  poke(): void {
    for (const r of this.readers.values()) r.poke();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all([...this.readers.values()].map((r) => r.stop()));
    this.readers.clear();
  }
}

import type { LogEntry, RawEntry } from '../entry.js';

/** Where a stage hands an entry on. */
export type Emit = (e: LogEntry) => void;

/**
 * One pipeline stage. `process` hands the entry on (possibly changed), replaces it, holds it (multiline, CRI
 * partial lines), or drops it — dropping means releasing its ticket reference (`dropEntry`). A stage that merges
 * entries keeps the earliest one's ticket and releases the others', so positions never pass an entry not yet
 * shipped.
 */
export interface Stage {
  readonly name: string;
  process(e: LogEntry, emit: Emit): void;
  /**
   * The same on a line still in bytes (a reused object: never kept). False when this line needs the string form
   * (e.g. a CRI partial line to hold): then the stage must not have changed the entry, and the pipeline runs this
   * stage and the rest on `e.toLogEntry()`.
   */
  processRaw?(e: RawEntry): boolean;
  /** Hand on whatever is held (at stop, or when `max_wait_time` passed). */
  flush?(emit: Emit, now: number): void;
}

export function dropEntry(e: LogEntry): void {
  e.ticket?.release();
  e.ticket = undefined;
}

/** Stages run in order; each stage's output feeds the next. */
export class Pipeline {
  private readonly chain: Emit[];
  private readonly out: Emit;

  constructor(
    readonly stages: readonly Stage[],
    out: Emit,
  ) {
    this.out = out;
    this.chain = new Array<Emit>(stages.length + 1);
    this.chain[stages.length] = out;
    for (let i = stages.length - 1; i >= 0; i--) {
      const next = this.chain[i + 1];
      const s = stages[i];
      this.chain[i] = (e) => s.process(e, next);
    }
  }

  process(e: LogEntry): void {
    this.chain[0](e);
  }

  /** Every stage can take lines as bytes (`processRaw`): readers may hand lines on without making strings. */
  get rawCapable(): boolean {
    return this.stages.every((s) => s.processRaw !== undefined);
  }

  /** Run a line in bytes through the stages (only when `rawCapable`); `rawOut` receives it if it stays in bytes. */
  processRaw(e: RawEntry, rawOut: (e: RawEntry) => void): void {
    const stages = this.stages;
    for (let i = 0; i < stages.length; i++) {
      if (!stages[i].processRaw!(e)) {
        this.chain[i](e.toLogEntry());
        return;
      }
    }
    rawOut(e);
  }

  /** Flush stages that hold entries (in order, so what one releases passes through the rest). */
  flush(now = Date.now()): void {
    for (let i = 0; i < this.stages.length; i++) this.stages[i].flush?.(this.chain[i + 1], now);
  }

  get hasHoldingStages(): boolean {
    return this.stages.some((s) => s.flush !== undefined);
  }

  get output(): Emit {
    return this.out;
  }
}

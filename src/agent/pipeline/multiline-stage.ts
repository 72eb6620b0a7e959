import { compileUnanchored } from '../../model/index.js';
import type { LogEntry } from '../entry.js';
import { dropEntry, type Stage } from './pipeline.js';
import type { StageConfig } from './stage-config.js';

interface Block {
  first: LogEntry;
  lines: number;
  lastAt: number;
}

/**
 * `multiline`: a line matching `firstline` starts a block; the following lines join it with `\n` until the next
 * first line, `max_lines`, or `max_wait_time` without a new line. Per stream; the block has the first line's time
 * and keeps its ticket.
 */
export function multilineStage(cfg: NonNullable<StageConfig['multiline']>): Stage {
  const first = compileUnanchored(cfg.firstline);
  const blocks = new Map<Record<string, string>, Block>();
  return {
    name: 'multiline',
    process(e, emit) {
      const key = e.labels;
      const b = blocks.get(key);
      const now = Date.now();
      if (first.test(e.line)) {
        if (b) emit(b.first);
        blocks.set(key, { first: e, lines: 1, lastAt: now });
        return;
      }
      if (!b) {
        // Lines before any first line start a block of their own.
        blocks.set(key, { first: e, lines: 1, lastAt: now });
        return;
      }
      b.first.line += `\n${e.line}`;
      b.lines++;
      b.lastAt = now;
      dropEntry(e);
      if (b.lines >= cfg.max_lines) {
        blocks.delete(key);
        emit(b.first);
      }
    },
    flush(emit, now) {
      for (const [k, b] of blocks) {
        if (now - b.lastAt >= cfg.max_wait_time) {
          blocks.delete(k);
          emit(b.first);
        }
      }
    },
  };
}

import type { Labels } from '../../model/index.js';
import { MemBlock, scanBlock, sliceBlock } from '../ingester/index.js';
import type { EntryBatch, LineBytes, SelectRequest } from '../model/index.js';
import type { DecodedRequest, DecodedSource } from './querier.js';

/**
 * Entries held in memory per stream (a tail's newly written entries) and read as a query's source: `select` scans
 * them on this thread, `decoded` hands them, unscanned, to a query worker — as the querier does with head blocks.
 */
export class EntryBuffer {
  private readonly streams = new Map<string, { labels: Labels; block: MemBlock }>();
  /** Entries held. */
  n = 0;
  minT = 0n;
  maxT = 0n;

  /** Hold line `i` of `lines`, written at `ts`. */
  add(key: string, labels: Labels, ts: bigint, lines: LineBytes, i: number, meta: Array<[string, string]> | undefined): void {
    let s = this.streams.get(key);
    if (!s) this.streams.set(key, (s = { labels, block: new MemBlock() }));
    s.block.append(ts, lines.buf, lines.offs[2 * i], lines.offs[2 * i + 1], meta);
    if (this.n === 0 || ts < this.minT) this.minT = ts;
    if (this.n === 0 || ts > this.maxT) this.maxT = ts;
    this.n++;
  }

  private *matching(matchers: SelectRequest['matchers'], start: bigint, end: bigint) {
    for (const s of this.streams.values()) {
      if (s.block.maxT < start || s.block.minT >= end) continue;
      if (matchers.every((m) => m.matches(s.labels.get(m.name)))) yield s;
    }
  }

  async *select(_tenant: string, req: SelectRequest): AsyncIterable<EntryBatch> {
    for (const { labels, block } of this.matching(req.matchers, req.start, req.end)) {
      const b = scanBlock(labels, block, req.start, req.end, req.filter);
      b.minT = block.minT;
      b.maxT = block.maxT;
      b.bytesRead = block.bytes;
      yield b;
    }
  }

  async *decoded(_tenant: string, req: DecodedRequest): AsyncIterable<DecodedSource> {
    for (const { labels, block } of this.matching(req.matchers, req.start, req.end)) {
      yield { labels, minT: block.minT, maxT: block.maxT, bytes: block.bytes, block: sliceBlock(block, req.start, req.end, req.required) };
    }
  }
}

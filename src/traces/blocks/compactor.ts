import { Counter, type Registry } from 'prom-client';
import type { Logger } from 'pino';
import { bytesToHex, decodeTracesData, spanHeads } from '../../otlp/index.js';
import { entriesOf } from '../model/index.js';
import type { BlockList } from './block-list.js';
import type { TraceBlock } from './trace-block.js';
import { spanToWrite, type SpanToWrite } from './block-encoder.js';

export interface CompactorOptions {
  blocks: BlockList;
  logger: Logger;
  registry?: Registry;
  /** Blocks smaller than this are merged, into blocks of up to about this size (default 256 MiB of span data). */
  maxBlockBytes?: number;
  /** At most this many blocks merged at once (default 8). */
  maxInputBlocks?: number;
}

/**
 * Compaction (Tempo's compactor): per tenant, blocks smaller than the target size are merged in start-time order,
 * up to the target size and input count per output block. Spans of a trace found in several inputs end up as one
 * trace (duplicate span IDs dropped), so searches see it whole. The output is written (its meta names its
 * sources) and swapped in before the sources are deleted; queries already running keep the sources until they
 * finish. Runs as block-list maintenance, so never beside a block cut or retention.
 */
export class Compactor {
  private readonly compacted?: Counter;

  constructor(private readonly opts: CompactorOptions) {
    if (opts.registry) {
      this.compacted = new Counter({ name: 'tempodb_compaction_blocks_total', help: 'Total number of blocks compacted.', registers: [opts.registry] });
    }
  }

  /** One compaction pass over every tenant; returns the number of blocks written. */
  compact(): Promise<number> {
    const run = this.opts.blocks.maintenance(() => this.pass());
    run.catch((e: unknown) => this.opts.logger.error({ component: 'traces', err: e }, 'compaction failed'));
    return run;
  }

  private async pass(): Promise<number> {
    const { blocks } = this.opts;
    const target = this.opts.maxBlockBytes ?? 256 * 1024 * 1024;
    const maxInputs = Math.max(2, this.opts.maxInputBlocks ?? 8);
    let written = 0;
    for (const tenant of blocks.tenants()) {
      const groups: TraceBlock[][] = [];
      let cur: TraceBlock[] = [];
      let bytes = 0;
      for (const b of blocks.forTenant(tenant)) {
        if (b.meta.dataBytes >= target) continue;
        if (cur.length > 0 && (bytes + b.meta.dataBytes > target || cur.length >= maxInputs)) {
          groups.push(cur);
          cur = [];
          bytes = 0;
        }
        cur.push(b);
        bytes += b.meta.dataBytes;
      }
      groups.push(cur);
      for (const g of groups) {
        if (g.length < 2) continue;
        await this.merge(tenant, g);
        written++;
      }
    }
    if (written > 0) await blocks.collectReplaced();
    return written;
  }

  private async merge(tenant: string, inputs: TraceBlock[]): Promise<void> {
    const traces = new Map<string, { id: Buffer; parts: Uint8Array[] }>();
    for (const b of inputs) {
      for (const t of await b.rawTraces()) {
        const e = traces.get(t.hex);
        if (e) e.parts.push(t.data);
        else traces.set(t.hex, { id: t.id, parts: [t.data] });
      }
    }
    const toWrite = [...traces].map(([hex, t]) => ({
      id: t.id,
      hex,
      // Span heads: attributes stay encoded (the block writer reads them from the bytes).
      spans: () => {
        const all = t.parts.flatMap((p) => entriesOf(decodeTracesData(p), spanHeads));
        const seen = new Set<string>();
        const out: SpanToWrite[] = [];
        for (const e of all) {
          if (t.parts.length > 1) {
            const k = bytesToHex(e.span.spanId);
            if (seen.has(k)) continue;
            seen.add(k);
          }
          out.push(spanToWrite(e));
        }
        return out;
      },
    }));
    const level = 1 + Math.max(...inputs.map((b) => b.meta.compactionLevel ?? 0));
    const out = await this.opts.blocks.write(tenant, toWrite, { compactionLevel: level, compactedFrom: inputs.map((b) => b.meta.blockId) });
    this.opts.blocks.replace(tenant, inputs);
    this.compacted?.inc(inputs.length);
    const m = out.meta;
    this.opts.logger.info({ component: 'traces', tenant, block: m.blockId, inputs: inputs.length, traces: m.traces, spans: m.spans, level }, 'blocks compacted');
  }
}

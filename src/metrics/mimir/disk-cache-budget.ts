import type { Block } from '../tsdb/index.js';

interface Entry {
  block: Block;
  evict: () => void;
}

/**
 * The size limit of the bucket-block disk cache, shared by all tenants: after a block was fetched, the least
 * recently used cached blocks that no querier is reading are evicted until the total fits `maxBytes` (0 = no limit).
 * The block just fetched is never evicted by its own admission.
 */
export class DiskCacheBudget {
  private readonly entries = new Map<string, Entry>();
  private total = 0;

  constructor(private readonly maxBytes: number) {}

  get bytes(): number {
    return this.total;
  }

  add(key: string, block: Block, evict: () => void): void {
    this.remove(key);
    this.entries.set(key, { block, evict });
    this.total += block.size;
    if (this.maxBytes <= 0 || this.total <= this.maxBytes) return;
    const candidates = [...this.entries].filter(([k, e]) => k !== key && e.block.readers === 0).sort((a, b) => a[1].block.lastUsed - b[1].block.lastUsed);
    for (const [k, e] of candidates) {
      if (this.total <= this.maxBytes) break;
      this.remove(k);
      e.evict();
    }
  }

  remove(key: string): void {
    const e = this.entries.get(key);
    if (!e) return;
    this.entries.delete(key);
    this.total -= e.block.size;
  }
}

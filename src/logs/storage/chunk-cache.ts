import type { DecodedChunk } from './chunk-codec.js';

/**
 * Decoded chunks kept in memory for queries, least recently used evicted beyond `limitBytes` of line data.
 * Concurrent loads of one chunk share a single fetch and decode.
 */
export class ChunkCache {
  private readonly cache = new Map<string, DecodedChunk>();
  private readonly loading = new Map<string, Promise<DecodedChunk>>();
  private bytes = 0;

  constructor(
    private readonly load: (key: string) => Promise<DecodedChunk>,
    private readonly limitBytes: number,
  ) {}

  get(key: string): Promise<DecodedChunk> {
    let p = this.loading.get(key);
    if (!p) {
      p = this.fetch(key).finally(() => this.loading.delete(key));
      this.loading.set(key, p);
    }
    return p;
  }

  private async fetch(key: string): Promise<DecodedChunk> {
    const hit = this.cache.get(key);
    if (hit) {
      this.cache.delete(key);
      this.cache.set(key, hit);
      return hit;
    }
    const d = await this.load(key);
    this.cache.set(key, d);
    this.bytes += d.data.length;
    for (const k of this.cache.keys()) {
      if (this.bytes <= this.limitBytes) break;
      this.drop(k);
    }
    return d;
  }

  drop(key: string): void {
    const d = this.cache.get(key);
    if (!d) return;
    this.bytes -= d.data.length;
    this.cache.delete(key);
  }
}

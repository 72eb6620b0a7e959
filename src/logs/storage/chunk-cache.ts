/**
 * Chunks kept in memory for queries — decoded, or as stored (compressed, as Loki's chunk cache keeps them) — least
 * recently used evicted beyond `limitBytes` (as `sizeOf` counts them). Concurrent loads of one chunk share a single
 * fetch.
 */
export class ChunkCache<T> {
  private readonly cache = new Map<string, T>();
  private readonly loading = new Map<string, Promise<T>>();
  private bytes = 0;

  constructor(
    private readonly load: (key: string) => Promise<T>,
    private readonly limitBytes: number,
    private readonly sizeOf: (value: T) => number,
  ) {}

  get(key: string): Promise<T> {
    let p = this.loading.get(key);
    if (!p) {
      p = this.fetch(key).finally(() => this.loading.delete(key));
      this.loading.set(key, p);
    }
    return p;
  }

  /** The value if it is cached (made most recently used), without loading it. */
  peek(key: string): T | undefined {
    const hit = this.cache.get(key);
    if (hit !== undefined) {
      this.cache.delete(key);
      this.cache.set(key, hit);
    }
    return hit;
  }

  private async fetch(key: string): Promise<T> {
    const hit = this.cache.get(key);
    if (hit !== undefined) {
      this.cache.delete(key);
      this.cache.set(key, hit);
      return hit;
    }
    const d = await this.load(key);
    if (this.limitBytes <= 0) return d;
    this.cache.set(key, d);
    this.bytes += this.sizeOf(d);
    for (const k of this.cache.keys()) {
      if (this.bytes <= this.limitBytes) break;
      this.drop(k);
    }
    return d;
  }

  drop(key: string): void {
    const d = this.cache.get(key);
    if (d === undefined) return;
    this.bytes -= this.sizeOf(d);
    this.cache.delete(key);
  }
}

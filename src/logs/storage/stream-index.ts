import type { Labels, Matcher } from '../../model/index.js';

/**
 * Postings for a set of streams: label name → value → stream keys. Selecting by matchers starts from the smallest
 * postings list of an equality matcher and checks the remaining matchers on each candidate.
 */
export class StreamIndex<T extends { labels: Labels }> {
  readonly streams = new Map<string, T>();
  private readonly postings = new Map<string, Map<string, Set<string>>>();

  add(key: string, s: T): void {
    this.streams.set(key, s);
    s.labels.forEach((n, v) => {
      let byValue = this.postings.get(n);
      if (!byValue) this.postings.set(n, (byValue = new Map()));
      let set = byValue.get(v);
      if (!set) byValue.set(v, (set = new Set()));
      set.add(key);
    });
  }

  delete(key: string): void {
    const s = this.streams.get(key);
    if (!s) return;
    this.streams.delete(key);
    s.labels.forEach((n, v) => {
      const byValue = this.postings.get(n);
      const set = byValue?.get(v);
      set?.delete(key);
      if (set && set.size === 0) byValue!.delete(v);
      if (byValue && byValue.size === 0) this.postings.delete(n);
    });
  }

  get(key: string): T | undefined {
    return this.streams.get(key);
  }

  get size(): number {
    return this.streams.size;
  }

  select(matchers: readonly Matcher[]): T[] {
    let candidates: Iterable<string> | undefined;
    let best = Infinity;
    for (const m of matchers) {
      if (m.type === '=' && m.value !== '') {
        const set = this.postings.get(m.name)?.get(m.value);
        if (!set) return [];
        if (set.size < best) {
          best = set.size;
          candidates = set;
        }
      }
    }
    const out: T[] = [];
    for (const key of candidates ?? this.streams.keys()) {
      const s = this.streams.get(key)!;
      let ok = true;
      for (const m of matchers) {
        if (!m.matches(s.labels.get(m.name))) {
          ok = false;
          break;
        }
      }
      if (ok) out.push(s);
    }
    return out;
  }

  labelNames(): string[] {
    return [...this.postings.keys()];
  }

  labelValues(name: string): string[] {
    return [...(this.postings.get(name)?.keys() ?? [])];
  }
}

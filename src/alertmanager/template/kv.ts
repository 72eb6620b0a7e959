/**
 * Alertmanager's template data types with their Go methods: `KV` (a label or annotation map, `map[string]string`
 * with `SortedPairs`, `Names`, `Values`, `Remove`) and `Pairs`.
 */

export interface Pair {
  Name: string;
  Value: string;
}

/** A sorted list of pairs (`KV.SortedPairs`). */
export class Pairs extends Array<Pair> {
  Names(): string[] {
    return this.map((p) => p.Name);
  }
  Values(): string[] {
    return this.map((p) => p.Value);
  }
}

/** Alertmanager's `template.KV`. A missing key reads as "" (a Go map of strings). */
export class KV extends Map<string, string> {
  constructor(map: Readonly<Record<string, string>>) {
    super(Object.keys(map).map((k) => [k, map[k]] as [string, string]));
  }
  /** Sorted by name, except that `alertname` comes first. */
  SortedPairs(): Pairs {
    const ps = new Pairs();
    for (const k of [...this.keys()].sort()) ps.push({ Name: k, Value: this.get(k) ?? '' });
    const i = ps.findIndex((p) => p.Name === 'alertname');
    if (i > 0) ps.unshift(...ps.splice(i, 1));
    return ps;
  }
  Names(): string[] {
    return this.SortedPairs().Names();
  }
  Values(): string[] {
    return this.SortedPairs().Values();
  }
  Remove(keys: readonly string[]): KV {
    const m: Record<string, string> = {};
    for (const [k, v] of this) if (!keys.includes(k)) m[k] = v;
    return new KV(m);
  }
}

/**
 * An immutable, sorted set of label pairs. Stored flat ([name0, value0, name1, value1, ...]) sorted by name,
 * so that series identity, comparison and hashing never allocate an object per label.
 * Labels with empty values are dropped, as in Prometheus (an empty value means "absent").
 */
export const METRIC_NAME = '__name__';

const SEP = '\xff';

export class Labels {
  static readonly EMPTY = new Labels([]);

  private cachedKey: string | undefined;

  /** `flat` must be sorted by name, without duplicate names or empty values. Use the static constructors. */
  private constructor(readonly flat: readonly string[]) {}

  /** Trusts the caller: `flat` is already sorted, unique and free of empty values. */
  static fromSortedFlat(flat: readonly string[]): Labels {
    return flat.length === 0 ? Labels.EMPTY : new Labels(flat);
  }

  static fromObject(obj: Readonly<Record<string, string>>): Labels {
    const names = Object.keys(obj).filter((n) => obj[n] !== '' && obj[n] !== undefined).sort(compareStrings);
    const flat: string[] = new Array(names.length * 2);
    for (let i = 0; i < names.length; i++) {
      flat[2 * i] = names[i];
      flat[2 * i + 1] = obj[names[i]];
    }
    return Labels.fromSortedFlat(flat);
  }

  /** Pairs in any order; a later duplicate name wins. */
  static fromPairs(pairs: Iterable<readonly [string, string]>): Labels {
    const obj: Record<string, string> = Object.create(null);
    for (const [n, v] of pairs) obj[n] = v;
    return Labels.fromObject(obj);
  }

  get size(): number {
    return this.flat.length >> 1;
  }

  /** The value of `name`, or '' when absent (Prometheus semantics). */
  get(name: string): string {
    const f = this.flat;
    // Label sets are small; a linear scan beats binary search below ~16 labels.
    for (let i = 0; i < f.length; i += 2) {
      const c = f[i];
      if (c === name) return f[i + 1];
      if (c > name) return '';
    }
    return '';
  }

  has(name: string): boolean {
    return this.get(name) !== '';
  }

  name(i: number): string {
    return this.flat[2 * i];
  }

  value(i: number): string {
    return this.flat[2 * i + 1];
  }

  forEach(fn: (name: string, value: string) => void): void {
    const f = this.flat;
    for (let i = 0; i < f.length; i += 2) fn(f[i], f[i + 1]);
  }

  names(): string[] {
    const out: string[] = [];
    for (let i = 0; i < this.flat.length; i += 2) out.push(this.flat[i]);
    return out;
  }

  toObject(): Record<string, string> {
    const out: Record<string, string> = {};
    this.forEach((n, v) => (out[n] = v));
    return out;
  }

  /** A string that is equal for equal label sets and different otherwise; use it as a Map key. */
  key(): string {
    if (this.cachedKey === undefined) this.cachedKey = this.flat.join(SEP);
    return this.cachedKey;
  }

  equals(other: Labels): boolean {
    if (this === other) return true;
    const a = this.flat;
    const b = other.flat;
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }

  /** A copy without the given names. */
  without(...names: string[]): Labels {
    const drop = new Set(names);
    const out: string[] = [];
    for (let i = 0; i < this.flat.length; i += 2) {
      if (!drop.has(this.flat[i])) out.push(this.flat[i], this.flat[i + 1]);
    }
    return out.length === this.flat.length ? this : Labels.fromSortedFlat(out);
  }

  /** A copy with only the given names. */
  withOnly(...names: string[]): Labels {
    const keep = new Set(names);
    const out: string[] = [];
    for (let i = 0; i < this.flat.length; i += 2) {
      if (keep.has(this.flat[i])) out.push(this.flat[i], this.flat[i + 1]);
    }
    return Labels.fromSortedFlat(out);
  }

  builder(): LabelsBuilder {
    return new LabelsBuilder(this);
  }

  /** Prometheus's notation: `name{a="b", c="d"}` (the metric name outside the braces). */
  toString(): string {
    const parts: string[] = [];
    let metric = '';
    this.forEach((n, v) => {
      if (n === METRIC_NAME) metric = v;
      else parts.push(`${n}=${JSON.stringify(v)}`);
    });
    if (metric !== '' && parts.length === 0) return metric;
    return `${metric}{${parts.join(', ')}}`;
  }

  static compare(a: Labels, b: Labels): number {
    const x = a.flat;
    const y = b.flat;
    const n = Math.min(x.length, y.length);
    for (let i = 0; i < n; i++) {
      if (x[i] !== y[i]) return x[i] < y[i] ? -1 : 1;
    }
    return x.length - y.length;
  }
}

/** Mutable edits on top of a base label set; `labels()` returns the sorted result. */
export class LabelsBuilder {
  private readonly edits = new Map<string, string>();

  constructor(private base: Labels) {}

  reset(base: Labels): this {
    this.base = base;
    this.edits.clear();
    return this;
  }

  get(name: string): string {
    const e = this.edits.get(name);
    return e !== undefined ? e : this.base.get(name);
  }

  /** Setting '' deletes the label. */
  set(name: string, value: string): this {
    this.edits.set(name, value);
    return this;
  }

  del(...names: string[]): this {
    for (const n of names) this.edits.set(n, '');
    return this;
  }

  /** Visit the current labels (base with edits applied), in no particular order. */
  forEach(fn: (name: string, value: string) => void): void {
    this.base.forEach((n, v) => {
      if (!this.edits.has(n)) fn(n, v);
    });
    for (const [n, v] of this.edits) if (v !== '') fn(n, v);
  }

  labels(): Labels {
    if (this.edits.size === 0) return this.base;
    const obj: Record<string, string> = Object.create(null);
    this.forEach((n, v) => (obj[n] = v));
    return Labels.fromObject(obj);
  }
}

export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const LABEL_NAME_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const METRIC_NAME_RE = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

/** Legacy (pre-UTF-8) label-name validity, as Prometheus's `model.LabelName.IsValid` with legacy validation. */
export function isValidLabelName(name: string): boolean {
  return LABEL_NAME_RE.test(name);
}

export function isValidMetricName(name: string): boolean {
  return METRIC_NAME_RE.test(name);
}

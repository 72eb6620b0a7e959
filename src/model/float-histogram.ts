/**
 * A native histogram sample with float counts (Prometheus's `histogram.FloatHistogram`). Buckets are kept dense:
 * `pos[k]` is the count of positive bucket index `pOff + k` (likewise `neg`/`nOff`), so spans are implicit; empty
 * buckets are equivalent to absent ones (as after Prometheus's `Compact(0)`). Exponential schemas -4..8: bucket `i`
 * covers (2^((i-1)·2^-schema), 2^(i·2^-schema)]. Schema -53 (custom buckets, NHCB) uses `customValues` as upper
 * bounds: bucket `i` covers (cv[i-1], cv[i]] with -Inf/+Inf at the ends, all kept in `pos` from index 0.
 */
export type CounterResetHint = 'unknown' | 'reset' | 'not_reset' | 'gauge';

export const CUSTOM_BUCKETS_SCHEMA = -53;

/** Raised by operations Prometheus refuses (mixing exponential and custom buckets). */
export class HistogramOpError extends Error {}

export class FloatHistogram {
  schema = 0;
  zeroThreshold = 0;
  zeroCount = 0;
  count = 0;
  sum = 0;
  pOff = 0;
  pos: number[] = [];
  nOff = 0;
  neg: number[] = [];
  customValues: number[] | undefined = undefined;
  hint: CounterResetHint = 'unknown';
  /** Set by operations that reconciled differing custom bounds (for the info annotation). */
  static reconciled = false;

  usesCustomBuckets(): boolean {
    return this.schema === CUSTOM_BUCKETS_SCHEMA;
  }

  copy(): FloatHistogram {
    const h = new FloatHistogram();
    h.schema = this.schema;
    h.zeroThreshold = this.zeroThreshold;
    h.zeroCount = this.zeroCount;
    h.count = this.count;
    h.sum = this.sum;
    h.pOff = this.pOff;
    h.pos = this.pos.slice();
    h.nOff = this.nOff;
    h.neg = this.neg.slice();
    h.customValues = this.customValues;
    h.hint = this.hint;
    return h;
  }

  /** Remove empty buckets at both ends. */
  compact(): this {
    [this.pOff, this.pos] = trim(this.pOff, this.pos);
    [this.nOff, this.neg] = trim(this.nOff, this.neg);
    return this;
  }

  mul(f: number): this {
    this.zeroCount *= f;
    this.count *= f;
    this.sum *= f;
    for (let i = 0; i < this.pos.length; i++) this.pos[i] *= f;
    for (let i = 0; i < this.neg.length; i++) this.neg[i] *= f;
    if (f < 0) {
      // A negative factor swaps nothing in Prometheus: counts simply become negative.
    }
    return this;
  }

  div(f: number): this {
    this.zeroCount /= f;
    this.count /= f;
    this.sum /= f;
    if (f === 0) {
      // As Prometheus: division by zero keeps only count, sum and the zero bucket (all ±Inf or NaN).
      this.pos = [];
      this.neg = [];
      return this;
    }
    for (let i = 0; i < this.pos.length; i++) this.pos[i] /= f;
    for (let i = 0; i < this.neg.length; i++) this.neg[i] /= f;
    return this;
  }

  /** A copy reduced to a lower (coarser) exponential schema. */
  copyToSchema(target: number): FloatHistogram {
    const h = this.copy();
    if (target >= this.schema || this.usesCustomBuckets()) return h;
    const delta = this.schema - target;
    [h.pOff, h.pos] = reduce(this.pOff, this.pos, delta);
    [h.nOff, h.neg] = reduce(this.nOff, this.neg, delta);
    h.schema = target;
    return h;
  }

  /** this += other (returns this). Throws HistogramOpError for exponential/custom mixes. */
  add(other: FloatHistogram): this {
    return this.addScaled(other, 1);
  }

  sub(other: FloatHistogram): this {
    return this.addScaled(other, -1);
  }

  private addScaled(other: FloatHistogram, sign: number): this {
    if (this.usesCustomBuckets() !== other.usesCustomBuckets()) throw new HistogramOpError('mixed exponential and custom buckets');
    if (this.usesCustomBuckets()) {
      if (!sameValues(this.customValues!, other.customValues!)) {
        const common = this.customValues!.filter((v) => other.customValues!.includes(v));
        const a = remapCustom(this, common);
        const b = remapCustom(other, common);
        this.pos = a;
        this.pOff = 0;
        this.customValues = common;
        other = Object.assign(other.copy(), { pos: b, pOff: 0, customValues: common });
        FloatHistogram.reconciled = true;
      }
    } else {
      if (other.schema < this.schema) {
        const r = this.copyToSchema(other.schema);
        this.schema = r.schema;
        this.pOff = r.pOff;
        this.pos = r.pos;
        this.nOff = r.nOff;
        this.neg = r.neg;
      } else if (other.schema > this.schema) other = other.copyToSchema(this.schema);
      if (other.zeroThreshold !== this.zeroThreshold) {
        const zt = Math.max(this.zeroThreshold, other.zeroThreshold);
        this.widenZero(zt);
        other = other.copy();
        other.widenZero(this.zeroThreshold);
        if (other.zeroThreshold > this.zeroThreshold) this.widenZero(other.zeroThreshold);
      }
    }
    if (sign > 0) this.hint = mergeHints(this.hint, other.hint);
    this.zeroCount += sign * other.zeroCount;
    this.count += sign * other.count;
    this.sum += sign * other.sum;
    [this.pOff, this.pos] = addDense(this.pOff, this.pos, other.pOff, other.pos, sign);
    [this.nOff, this.neg] = addDense(this.nOff, this.neg, other.nOff, other.neg, sign);
    return this;
  }

  /** Merge buckets inside a larger zero threshold into the zero bucket (threshold grows to a bucket boundary). */
  widenZero(zt: number): void {
    if (zt <= this.zeroThreshold || this.usesCustomBuckets()) return;
    for (;;) {
      let moved = false;
      for (const [off, arr] of [
        [this.pOff, this.pos],
        [this.nOff, this.neg],
      ] as const) {
        for (let k = 0; k < arr.length; k++) {
          const lower = bucketBound(off + k - 1, this.schema);
          if (lower < zt && arr[k] !== 0) {
            const upper = bucketBound(off + k, this.schema);
            if (upper > zt) zt = upper;
            this.zeroCount += arr[k];
            arr[k] = 0;
            moved = true;
          }
        }
      }
      if (!moved) break;
    }
    this.zeroThreshold = zt;
    this.compact();
  }

  /** Prometheus's `DetectReset`: would going from prev to this be a counter reset? */
  detectReset(prev: FloatHistogram): boolean {
    if (this.hint === 'reset') return true;
    if (this.hint === 'not_reset') return false;
    if (this.usesCustomBuckets() !== prev.usesCustomBuckets()) return true;
    if (this.usesCustomBuckets() && !sameValues(this.customValues!, prev.customValues!)) {
      // Compare on the bounds both share (as the reconciling subtraction will).
      if (this.count < prev.count) return true;
      const common = this.customValues!.filter((v) => prev.customValues!.includes(v));
      const a = remapCustom(this, common);
      const b = remapCustom(prev, common);
      return a.some((x, i) => x < b[i]);
    }
    if (this.count < prev.count) return true;
    if (this.schema > prev.schema) return true;
    if (this.zeroThreshold < prev.zeroThreshold) return true;
    const p = prev.copyToSchema(this.schema);
    if (this.zeroThreshold !== p.zeroThreshold) {
      p.widenZero(this.zeroThreshold);
      if (p.zeroThreshold !== this.zeroThreshold) return true;
    }
    if (this.zeroCount < p.zeroCount) return true;
    return decreased(p.pOff, p.pos, this.pOff, this.pos) || decreased(p.nOff, p.neg, this.nOff, this.neg);
  }

  equals(o: FloatHistogram, eq: (a: number, b: number) => boolean = (a, b) => a === b || (a !== a && b !== b)): boolean {
    if (this.schema !== o.schema || !eq(this.count, o.count) || !eq(this.sum, o.sum) || !eq(this.zeroCount, o.zeroCount)) return false;
    if (!this.usesCustomBuckets() && this.zeroThreshold !== o.zeroThreshold) return false;
    if (this.usesCustomBuckets() && !sameValues(this.customValues!, o.customValues!)) return false;
    return denseEqual(this.pOff, this.pos, o.pOff, o.pos, eq) && denseEqual(this.nOff, this.neg, o.nOff, o.neg, eq);
  }

  /** All buckets from lowest to highest (negative, zero, positive), as Prometheus's `AllBucketIterator`. */
  buckets(): { lower: number; upper: number; count: number; zero: boolean }[] {
    const out: { lower: number; upper: number; count: number; zero: boolean }[] = [];
    if (this.usesCustomBuckets()) {
      const cv = this.customValues ?? [];
      for (let k = 0; k < this.pos.length; k++) {
        const i = this.pOff + k;
        out.push({ lower: i === 0 ? -Infinity : cv[i - 1], upper: i < cv.length ? cv[i] : Infinity, count: this.pos[k], zero: false });
      }
      return out;
    }
    for (let k = this.neg.length - 1; k >= 0; k--) {
      const i = this.nOff + k;
      out.push({ lower: -bucketBound(i, this.schema), upper: -bucketBound(i - 1, this.schema), count: this.neg[k], zero: false });
    }
    if (this.zeroThreshold !== 0 || this.zeroCount !== 0) out.push({ lower: -this.zeroThreshold, upper: this.zeroThreshold, count: this.zeroCount, zero: true });
    for (let k = 0; k < this.pos.length; k++) {
      const i = this.pOff + k;
      out.push({ lower: bucketBound(i - 1, this.schema), upper: bucketBound(i, this.schema), count: this.pos[k], zero: false });
    }
    return out;
  }

  hasPositive(): boolean {
    return this.pos.some((c) => c !== 0);
  }

  hasNegative(): boolean {
    return this.neg.some((c) => c !== 0);
  }

  /** Prometheus's test-notation string, e.g. `{{schema:0 count:3 sum:2 buckets:[1 2]}}`. */
  toString(): string {
    const parts: string[] = [];
    if (this.schema !== 0) parts.push(`schema:${this.schema}`);
    parts.push(`count:${this.count}`, `sum:${this.sum}`);
    if (this.zeroThreshold !== 0) parts.push(`z_bucket_w:${this.zeroThreshold}`);
    if (this.zeroCount !== 0) parts.push(`z_bucket:${this.zeroCount}`);
    if (this.pos.length) parts.push(`offset:${this.pOff}`, `buckets:[${this.pos.join(' ')}]`);
    if (this.neg.length) parts.push(`n_offset:${this.nOff}`, `n_buckets:[${this.neg.join(' ')}]`);
    if (this.customValues) parts.push(`custom_values:[${this.customValues.join(' ')}]`);
    if (this.hint !== 'unknown') parts.push(`counter_reset_hint:${this.hint}`);
    return `{{${parts.join(' ')}}}`;
  }
}

/** Upper bound of exponential bucket index i at a schema (positive side). */
export function bucketBound(i: number, schema: number): number {
  if (schema <= 0) return 2 ** (i * 2 ** -schema);
  const frac = 2 ** schema;
  const exp = Math.floor(i / frac);
  const rem = i - exp * frac;
  return 2 ** exp * 2 ** (rem / frac);
}

function trim(off: number, arr: number[]): [number, number[]] {
  let a = 0;
  while (a < arr.length && arr[a] === 0) a++;
  let b = arr.length;
  while (b > a && arr[b - 1] === 0) b--;
  if (a === arr.length) return [0, []];
  return [off + a, arr.slice(a, b)];
}

function reduce(off: number, arr: number[], delta: number): [number, number[]] {
  const out = new Map<number, number>();
  for (let k = 0; k < arr.length; k++) {
    if (arr[k] === 0) continue;
    const ni = ((off + k - 1) >> delta) + 1;
    out.set(ni, (out.get(ni) ?? 0) + arr[k]);
  }
  if (out.size === 0) return [0, []];
  const keys = [...out.keys()];
  const lo = Math.min(...keys);
  const hi = Math.max(...keys);
  const res = new Array<number>(hi - lo + 1).fill(0);
  for (const [k, v] of out) res[k - lo] = v;
  return [lo, res];
}

function addDense(aOff: number, a: number[], bOff: number, b: number[], sign: number): [number, number[]] {
  if (b.length === 0) return [aOff, a];
  if (a.length === 0) return [bOff, b.map((x) => sign * x)];
  const lo = Math.min(aOff, bOff);
  const hi = Math.max(aOff + a.length, bOff + b.length);
  const res = new Array<number>(hi - lo).fill(0);
  for (let k = 0; k < a.length; k++) res[aOff + k - lo] += a[k];
  for (let k = 0; k < b.length; k++) res[bOff + k - lo] += sign * b[k];
  return [lo, res];
}

function decreased(pOff: number, p: number[], cOff: number, c: number[]): boolean {
  for (let k = 0; k < p.length; k++) {
    if (p[k] === 0) continue;
    const j = pOff + k - cOff;
    const cur = j >= 0 && j < c.length ? c[j] : 0;
    if (cur < p[k]) return true;
  }
  return false;
}

function denseEqual(aOff: number, a: number[], bOff: number, b: number[], eq: (x: number, y: number) => boolean): boolean {
  const lo = Math.min(aOff, bOff);
  const hi = Math.max(aOff + a.length, bOff + b.length);
  for (let i = lo; i < hi; i++) {
    const x = i >= aOff && i < aOff + a.length ? a[i - aOff] : 0;
    const y = i >= bOff && i < bOff + b.length ? b[i - bOff] : 0;
    if (!eq(x, y)) return false;
  }
  return true;
}

function sameValues(a: number[], b: number[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Re-bucket custom-bucket counts onto a subset of the upper bounds. */
function remapCustom(h: FloatHistogram, common: number[]): number[] {
  const cv = h.customValues!;
  const res = new Array<number>(common.length + 1).fill(0);
  for (let k = 0; k < h.pos.length; k++) {
    const i = h.pOff + k;
    const upper = i < cv.length ? cv[i] : Infinity;
    let j = 0;
    while (j < common.length && common[j] < upper) j++;
    res[j] += h.pos[k];
  }
  return res;
}

/** Prometheus's `HistogramQuantile` over a native histogram. */
export function histogramQuantileNative(q: number, h: FloatHistogram): number {
  if (h.count === 0 || q !== q) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  const all = h.buckets();
  const forward = h.sum !== h.sum || q < 0.5;
  let rank = forward ? q * h.count : (1 - q) * h.count;
  let count = 0;
  let b = { lower: 0, upper: 0, count: 0, zero: false };
  for (let k = 0; k < all.length; k++) {
    const x = all[forward ? k : all.length - 1 - k];
    b = x;
    if (x.count === 0) continue;
    count += x.count;
    if (count >= rank) break;
  }
  let lower = b.lower;
  let upper = b.upper;
  const custom = h.usesCustomBuckets();
  if (!custom && lower < 0 && upper > 0) {
    if (!h.hasNegative() && h.hasPositive()) lower = 0;
    else if (!h.hasPositive() && h.hasNegative()) upper = 0;
  } else if (custom) {
    if (lower === -Infinity) {
      if (upper <= 0) return upper;
      lower = 0;
    } else if (upper === Infinity) return lower;
  }
  if (count > h.count) count = h.count;
  // The rank lies among NaN observations (counted, in no bucket): the quantile is NaN.
  if (count < rank) return h.sum !== h.sum ? NaN : upper;
  if (forward) rank -= count - b.count;
  else rank = count - rank;
  const fraction = rank / b.count;
  if (custom || (lower <= 0 && upper >= 0)) return lower + (upper - lower) * fraction;
  const logLower = Math.log2(Math.abs(lower));
  const logUpper = Math.log2(Math.abs(upper));
  if (lower > 0) return 2 ** (logLower + (logUpper - logLower) * fraction);
  return -(2 ** (logLower + (logUpper - logLower) * fraction));
}

/** Prometheus's `HistogramFraction`: estimated share of observations in [lower, upper]. */
export function histogramFractionNative(lo: number, hi: number, h: FloatHistogram): number {
  if (h.count === 0 || lo !== lo || hi !== hi) return NaN;
  if (lo >= hi) return 0;
  const custom = h.usesCustomBuckets();
  let rank = 0;
  for (const b0 of h.buckets()) {
    let { lower, upper } = b0;
    if (b0.count === 0) continue;
    if (b0.zero) {
      if (!h.hasNegative() && h.hasPositive()) lower = 0;
      else if (!h.hasPositive() && h.hasNegative()) upper = 0;
    }
    if (custom) {
      if (lower === -Infinity && upper > 0) lower = 0;
    }
    const interp = (v: number): number => {
      if (v <= lower) return 0;
      if (v >= upper) return 1;
      if (custom || b0.zero || lower === -Infinity || upper === Infinity) {
        // No interpolation in a bucket of infinite width: all its observations sit at its finite bound.
        if (lower === -Infinity) return 1;
        if (upper === Infinity) return 0;
        return (v - lower) / (upper - lower);
      }
      const ll = Math.log2(Math.abs(lower));
      const lu = Math.log2(Math.abs(upper));
      const lv = Math.log2(Math.abs(v));
      if (lower > 0) return (lv - ll) / (lu - ll);
      return 1 - (lv - lu) / (ll - lu);
    };
    rank += b0.count * (interp(hi) - interp(lo));
  }
  return rank / h.count;
}

/**
 * The trim operators: `h </ c` keeps the observations below c, `h >/ c` those above. A bucket the cutoff falls into
 * keeps the interpolated share of its count (logarithmic in exponential buckets, linear in the zero bucket and in
 * custom buckets). The sum is re-estimated from the kept buckets' midpoints; a histogram nothing is cut from is
 * returned unchanged.
 */
export function trimHistogram(h: FloatHistogram, cutoff: number, keepBelow: boolean): FloatHistogram {
  const custom = h.usesCustomBuckets();
  const out = h.copy();
  const onlyPos = h.hasPositive() && !h.hasNegative();
  const onlyNeg = h.hasNegative() && !h.hasPositive();
  let trimmed = false;
  let count = 0;
  let sum = 0;
  const one = (lower: number, upper: number, c: number, zero: boolean): number => {
    if (zero) {
      if (onlyPos) lower = 0;
      else if (onlyNeg) upper = 0;
    } else if (custom && lower === -Infinity && upper > 0) lower = 0;
    let f: number;
    let kl = lower;
    let ku = upper;
    if (keepBelow ? upper <= cutoff : lower >= cutoff) f = 1;
    else if (keepBelow ? lower >= cutoff : upper <= cutoff) f = 0;
    else if (upper === Infinity) f = keepBelow ? 0 : 1;
    else if (lower === -Infinity) f = keepBelow ? 1 : 0;
    else {
      const linear = custom || zero || lower <= 0 !== upper <= 0;
      const pos = (x: number) => (linear ? x : lower > 0 ? Math.log2(x) : -Math.log2(-x));
      const share = (pos(cutoff) - pos(lower)) / (pos(upper) - pos(lower));
      f = keepBelow ? share : 1 - share;
    }
    if (f !== 1 && c !== 0) trimmed = true;
    if (cutoff > lower && cutoff < upper) {
      if (keepBelow) ku = cutoff;
      else kl = cutoff;
    }
    const kept = c * f;
    if (kept !== 0) {
      let mid: number;
      if (kl === -Infinity) mid = ku;
      else if (ku === Infinity) mid = kl;
      else if (custom || zero || kl <= 0 !== ku <= 0) mid = (kl + ku) / 2;
      else mid = kl > 0 ? Math.sqrt(kl * ku) : -Math.sqrt(kl * ku);
      sum += kept * mid;
      count += kept;
    }
    return kept;
  };
  if (custom) {
    const cv = h.customValues ?? [];
    out.pos = h.pos.map((c, k) => {
      const i = h.pOff + k;
      return one(i === 0 ? -Infinity : cv[i - 1], i < cv.length ? cv[i] : Infinity, c, false);
    });
  } else {
    out.neg = h.neg.map((c, k) => one(-bucketBound(h.nOff + k, h.schema), -bucketBound(h.nOff + k - 1, h.schema), c, false));
    if (h.zeroCount !== 0 || h.zeroThreshold !== 0) out.zeroCount = one(-h.zeroThreshold, h.zeroThreshold, h.zeroCount, true);
    out.pos = h.pos.map((c, k) => one(bucketBound(h.pOff + k - 1, h.schema), bucketBound(h.pOff + k, h.schema), c, false));
  }
  if (!trimmed) return h.copy();
  out.count = count;
  out.sum = sum;
  return out.compact();
}

/** The counter-reset hint of a sum (Prometheus's `FloatHistogram.Add`): gauge wins, then unknown; reset+not_reset is unknown. */
export function mergeHints(a: CounterResetHint, b: CounterResetHint): CounterResetHint {
  if (a === b) return a;
  if (a === 'gauge' || b === 'gauge') return 'gauge';
  return 'unknown';
}

/**
 * Numeric helpers with Prometheus's exact arithmetic: Kahan–Neumaier summation, linear regression, quantiles over
 * values and over classic histogram buckets.
 */

/** One step of Kahan–Neumaier summation; returns the new sum and writes the compensation into c[0]. */
export function kahanInc(inc: number, sum: number, c: Float64Array): number {
  const t = sum + inc;
  if (!Number.isFinite(t) && t === t) c[0] = 0;
  else if (Math.abs(sum) >= Math.abs(inc)) c[0] += sum - t + inc;
  else c[0] += inc - t + sum;
  return t;
}

const c1 = new Float64Array(1);
const c2 = new Float64Array(1);
const c3 = new Float64Array(1);
const c4 = new Float64Array(1);

/** Least squares over points t[lo..hi) (ms) with x relative to interceptTime, in seconds. Returns [slope, intercept]. */
export function linearRegression(t: Float64Array, v: Float64Array, lo: number, hi: number, interceptTime: number): [number, number] {
  let n = 0;
  let sumX = 0;
  let sumY = 0;
  let sumXY = 0;
  let sumX2 = 0;
  c1[0] = c2[0] = c3[0] = c4[0] = 0;
  const initY = v[lo];
  let constY = true;
  for (let i = lo; i < hi; i++) {
    const y = v[i];
    if (constY && i > lo && y !== initY) constY = false;
    n++;
    const x = (t[i] - interceptTime) / 1e3;
    sumX = kahanInc(x, sumX, c1);
    sumY = kahanInc(y, sumY, c2);
    sumXY = kahanInc(x * y, sumXY, c3);
    sumX2 = kahanInc(x * x, sumX2, c4);
  }
  if (constY) {
    if (!Number.isFinite(initY) && initY === initY) return [NaN, NaN];
    return [0, initY];
  }
  sumX += c1[0];
  sumY += c2[0];
  sumXY += c3[0];
  sumX2 += c4[0];
  const covXY = sumXY - (sumX * sumY) / n;
  const varX = sumX2 - (sumX * sumX) / n;
  const slope = covXY / varX;
  return [slope, sumY / n - (slope * sumX) / n];
}

/** Prometheus's sort order for values: NaN first, then ascending. */
export function compareValuesNaNFirst(a: number, b: number): number {
  if (a !== a) return b !== b ? 0 : -1;
  if (b !== b) return 1;
  return a - b;
}

/** `quantile` of Prometheus (sorts `values` in place). */
export function quantileOf(q: number, values: Float64Array | number[]): number {
  const n = values.length;
  if (n === 0 || q !== q) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  if (values instanceof Float64Array) values.sort(compareValuesNaNFirst);
  else values.sort(compareValuesNaNFirst);
  const rank = q * (n - 1);
  const lower = Math.max(0, Math.floor(rank));
  const upper = Math.min(n - 1, lower + 1);
  const weight = rank - Math.floor(rank);
  return values[lower] * (1 - weight) + values[upper] * weight;
}

export interface Bucket {
  upper: number;
  count: number;
}

const MIN_NORMAL = 2.2250738585072014e-308;

function almostEqual(a: number, b: number, eps: number): boolean {
  if (a === b) return true;
  const absSum = Math.abs(a) + Math.abs(b);
  const diff = Math.abs(a - b);
  if (a === 0 || b === 0 || absSum < MIN_NORMAL) return diff < eps * MIN_NORMAL;
  return diff / Math.min(absSum, Number.MAX_VALUE) < eps;
}

function sortAndCoalesce(buckets: Bucket[]): Bucket[] {
  buckets.sort((a, b) => (a.upper < b.upper ? -1 : a.upper > b.upper ? 1 : 0));
  const out: Bucket[] = [];
  for (const b of buckets) {
    const last = out[out.length - 1];
    if (last && last.upper === b.upper) last.count += b.count;
    else out.push({ upper: b.upper, count: b.count });
  }
  return out;
}

export interface BucketQuantileResult {
  value: number;
  forcedMonotonic: boolean;
  fixedPrecision: boolean;
}

export function bucketQuantile(q: number, input: Bucket[]): BucketQuantileResult {
  const res = { value: NaN, forcedMonotonic: false, fixedPrecision: false };
  if (q !== q) return res;
  if (q < 0) return { ...res, value: -Infinity };
  if (q > 1) return { ...res, value: Infinity };
  input.sort((a, b) => (a.upper < b.upper ? -1 : a.upper > b.upper ? 1 : 0));
  if (input[input.length - 1].upper !== Infinity) return res;
  const buckets = sortAndCoalesce(input);
  let prev = buckets[0].count;
  for (let i = 1; i < buckets.length; i++) {
    const curr = buckets[i].count;
    if (curr === prev) continue;
    if (almostEqual(prev, curr, 1e-12)) {
      buckets[i].count = prev;
      res.fixedPrecision = true;
      continue;
    }
    if (curr < prev) {
      buckets[i].count = prev;
      res.forcedMonotonic = true;
      continue;
    }
    prev = curr;
  }
  if (buckets.length < 2) return res;
  const observations = buckets[buckets.length - 1].count;
  if (observations === 0) return res;
  let rank = q * observations;
  let b: number;
  {
    let lo = 0;
    let hi = buckets.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (buckets[mid].count >= rank) hi = mid;
      else lo = mid + 1;
    }
    b = lo;
  }
  if (b === buckets.length - 1) res.value = buckets[buckets.length - 2].upper;
  else if (b === 0 && buckets[0].upper <= 0) res.value = buckets[0].upper;
  else {
    let start = 0;
    const end = buckets[b].upper;
    let count = buckets[b].count;
    if (b > 0) {
      start = buckets[b - 1].upper;
      count -= buckets[b - 1].count;
      rank -= buckets[b - 1].count;
    }
    res.value = start + (end - start) * (rank / count);
  }
  return res;
}

export function bucketFraction(lower: number, upper: number, input: Bucket[]): number {
  input.sort((a, b) => (a.upper < b.upper ? -1 : a.upper > b.upper ? 1 : 0));
  if (input[input.length - 1].upper !== Infinity) return NaN;
  const buckets = sortAndCoalesce(input);
  const count = buckets[buckets.length - 1].count;
  if (count === 0 || lower !== lower || upper !== upper) return NaN;
  if (lower >= upper) return 0;
  let rank = 0;
  let lowerRank = 0;
  let upperRank = 0;
  let lowerSet = false;
  let upperSet = false;
  let lowerBound = buckets[0].upper <= 0 ? -Infinity : 0;
  for (let i = 0; i < buckets.length; i++) {
    const b = buckets[i];
    if (i > 0) lowerBound = buckets[i - 1].upper;
    const upperBound = b.upper;
    const interp = (v: number) => (lowerBound === -Infinity ? b.count : rank + ((b.count - rank) * (v - lowerBound)) / (upperBound - lowerBound));
    if (!lowerSet && lowerBound >= lower) {
      lowerRank = rank;
      lowerSet = true;
    }
    if (!upperSet && lowerBound >= upper) {
      upperRank = rank;
      upperSet = true;
    }
    if (lowerSet && upperSet) break;
    if (!lowerSet && lowerBound < lower && upperBound > lower) {
      lowerRank = interp(lower);
      lowerSet = true;
    }
    if (!upperSet && lowerBound < upper && upperBound > upper) {
      upperRank = interp(upper);
      upperSet = true;
    }
    if (lowerSet && upperSet) break;
    rank = b.count;
  }
  if (!lowerSet || lowerRank > count) lowerRank = count;
  if (!upperSet || upperRank > count) upperRank = count;
  return (upperRank - lowerRank) / count;
}

/** Go's strconv.ParseFloat for `le`/`quantile` label values and count_values-style inputs. */
export function goParseFloat(s: string): number | undefined {
  const low = s.toLowerCase();
  if (/^[+-]?(inf|infinity)$/.test(low)) return low.startsWith('-') ? -Infinity : Infinity;
  if (/^[+-]?nan$/.test(low)) return NaN;
  if (/^[+-]?0x[0-9a-f_]*(\.[0-9a-f_]*)?(p[+-]?\d+)?$/i.test(s)) {
    const m = /^([+-]?)0x([0-9a-f_]*)(?:\.([0-9a-f_]*))?(?:p([+-]?\d+))?$/i.exec(s)!;
    const int = m[2].replace(/_/g, '');
    const frac = (m[3] ?? '').replace(/_/g, '');
    if (int === '' && frac === '') return undefined;
    let v = parseInt(int || '0', 16);
    for (let i = 0; i < frac.length; i++) v += parseInt(frac[i], 16) / 16 ** (i + 1);
    if (m[4]) v *= 2 ** Number(m[4]);
    return m[1] === '-' ? -v : v;
  }
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(s)) return undefined;
  return Number(s);
}

/** Go's strconv.FormatFloat(v, 'f', -1, 64), as count_values uses for label values. */
export function formatFloatF(v: number): string {
  if (v !== v) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (Number.isInteger(v) && Math.abs(v) < 1e21) return String(v);
  const s = String(v);
  if (!/e/.test(s)) return s;
  // Expand exponent notation into plain decimal digits.
  const [mant, expS] = s.split('e');
  const exp = Number(expS);
  const neg = mant.startsWith('-');
  const digits = mant.replace(/^-/, '').replace('.', '');
  const pointPos = (mant.replace(/^-/, '').indexOf('.') === -1 ? mant.replace(/^-/, '').length : mant.replace(/^-/, '').indexOf('.')) + exp;
  let out: string;
  if (pointPos <= 0) out = '0.' + '0'.repeat(-pointPos) + digits;
  else if (pointPos >= digits.length) out = digits + '0'.repeat(pointPos - digits.length);
  else out = digits.slice(0, pointPos) + '.' + digits.slice(pointPos);
  return (neg ? '-' : '') + out;
}

/** The first index of `arr` (ascending) whose value is >= x. */
export function lowerBound(arr: Float64Array, x: number): number {
  let lo = 0;
  let hi = arr.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (arr[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The first index of `arr` (ascending) whose value is > x. */
export function upperBound(arr: Float64Array, x: number): number {
  let lo = 0;
  let hi = arr.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (arr[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

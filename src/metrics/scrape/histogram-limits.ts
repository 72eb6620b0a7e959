import type { FloatHistogram } from '../../model/index.js';

/**
 * The scrape side's native-histogram limits, as Prometheus's scrape appenders apply them: first the largest schema
 * `native_histogram_min_bucket_factor` allows (`maxSchemaAppender`), then `native_histogram_bucket_limit`
 * (`bucketLimitAppender`), which lowers the schema one step at a time until the buckets fit and refuses the
 * histogram (failing the scrape) when even schema -4 has too many. Custom-bucket histograms are left alone.
 * Buckets are counted as the non-empty buckets of both signs (the dense model keeps no explicit empty buckets).
 */
const SCHEMA_MIN = -4;
const SCHEMA_MAX = 8;

export class BucketLimitError extends Error {
  override name = 'BucketLimitError';
  constructor() {
    super('histogram bucket limit exceeded');
  }
}

/** Prometheus's `pickSchema`: the largest schema whose bucket growth factor is at least `bucketFactor`. */
export function pickSchema(bucketFactor: number): number {
  const f = bucketFactor <= 1 ? 1.00271 : bucketFactor;
  const floor = Math.floor(-Math.log2(Math.log2(f)));
  return Math.max(SCHEMA_MIN, Math.min(SCHEMA_MAX, floor));
}

function bucketCount(h: FloatHistogram): number {
  let n = 0;
  for (const v of h.pos) if (v !== 0) n++;
  for (const v of h.neg) if (v !== 0) n++;
  return n;
}

/** `h` within the limits (a reduced copy, or `h` itself); throws BucketLimitError when it cannot fit. */
export function fitHistogram(h: FloatHistogram, maxSchema: number, bucketLimit: number): FloatHistogram {
  if (h.usesCustomBuckets()) return h;
  let out = h.schema > maxSchema ? h.copyToSchema(maxSchema) : h;
  if (bucketLimit <= 0) return out;
  while (bucketCount(out) > bucketLimit) {
    if (out.schema <= SCHEMA_MIN) throw new BucketLimitError();
    out = out.copyToSchema(out.schema - 1);
  }
  return out;
}

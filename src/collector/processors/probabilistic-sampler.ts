import * as z from 'zod';
import { countItems } from '../../otlp/index.js';
import type { ProcessorFactory } from '../components.js';
import { attrJs } from '../pipeline/otlp-data.js';
import { walkContext } from './ottl-walk.js';

/** MurmurHash3 x86 32-bit, as the Collector's hash-seeded sampler hashes trace IDs. */
export function murmur3(data: Uint8Array, seed: number): number {
  let h = seed >>> 0;
  const n = data.length & ~3;
  for (let i = 0; i < n; i += 4) {
    let k = data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24);
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  const rest = data.length & 3;
  if (rest > 0) {
    let k = 0;
    if (rest === 3) k ^= data[n + 2] << 16;
    if (rest >= 2) k ^= data[n + 1] << 8;
    k ^= data[n];
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
  }
  h ^= data.length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

const BUCKETS = 0x4000;

const schema = z.strictObject({
  sampling_percentage: z.number().min(0).max(100),
  hash_seed: z.number().int().nonnegative().default(0),
  mode: z.enum(['hash_seed', 'proportional', 'equalizing']).default('hash_seed'),
  attribute_source: z.enum(['traceID', 'record']).default('traceID'),
  from_attribute: z.string().optional(),
  fail_closed: z.boolean().default(true),
  sampling_precision: z.number().int().optional(),
});

/**
 * `probabilistic_sampler` (hash_seed mode): keeps a span or log record when the MurmurHash3 of its trace ID (or of
 * `from_attribute` with `attribute_source: record`), seeded with `hash_seed`, falls in the first
 * `sampling_percentage` of 16,384 buckets — every span of a trace gets the same decision, on every collector
 * sharing the seed. Items without a trace ID are kept unless `fail_closed`.
 */
export const probabilisticSamplerFactory: ProcessorFactory<typeof schema> = {
  type: 'probabilistic_sampler',
  signals: ['traces', 'logs'],
  schema,
  create(id, cfg, signal, next, env) {
    const threshold = Math.floor((cfg.sampling_percentage * BUCKETS) / 100);
    const keep = (key: Uint8Array | undefined): boolean => {
      if (!key || key.length === 0) return !cfg.fail_closed;
      return (murmur3(key, cfg.hash_seed) & (BUCKETS - 1)) < threshold;
    };
    return {
      mutates: true,
      async consume(data, client) {
        const before = countItems(data);
        walkContext(data, signal === 'traces' ? 'span' : 'log', (t) => {
          if (cfg.attribute_source === 'record' && cfg.from_attribute) {
            const v = attrJs(t.item.attributes as never, cfg.from_attribute);
            return keep(v === undefined ? undefined : Buffer.from(String(v)));
          }
          return keep(t.item.traceId as Uint8Array | undefined);
        });
        const dropped = before - countItems(data);
        if (dropped > 0) env.telemetry.processorDropped[signal].inc({ processor: id }, dropped);
        if (countItems(data) > 0) await next.consume(data, client);
      },
    };
  },
};

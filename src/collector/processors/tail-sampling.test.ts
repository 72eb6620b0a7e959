import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../server/index.js';
import type { ExportRequest } from '../pipeline/consumer.js';
import { CollectorMetrics } from '../telemetry/collector-metrics.js';
import { tailSamplingFactory } from './tail-sampling.js';

const str = (key: string, v: string) => ({ key, value: { stringValue: v, value: 'stringValue' } });
const int = (key: string, v: number) => ({ key, value: { intValue: v, value: 'intValue' } });

/** Four traces: T1 slow /pay on cart, T2 fast error, T3 a health check answering 503, T4 a gold customer's 300 ms. */
function input(): ExportRequest {
  const t0 = 1_700_000_000_000_000_000n;
  const span = (trace: number, i: number, ms: number, extra: object = {}) => ({
    traceId: Buffer.alloc(16, trace),
    spanId: Buffer.from([trace, i, 0, 0, 0, 0, 0, 1]),
    name: `T${trace}`,
    startTimeUnixNano: String(t0),
    endTimeUnixNano: String(t0 + BigInt(ms) * 1_000_000n),
    ...extra,
  });
  const rs = (service: string, spans: object[]) => ({ resource: { attributes: [str('service.name', service)] }, scopeSpans: [{ scope: { name: 's' }, spans }] });
  return {
    signal: 'traces',
    req: {
      resourceSpans: [
        rs('cart', [span(1, 0, 600, { attributes: [str('http.route', '/pay')] }), span(1, 1, 100), span(1, 2, 10)]),
        rs('checkout', [span(2, 0, 50, { status: { code: 2 } }), span(2, 1, 10)]),
        rs('health-checker', [span(3, 0, 20, { attributes: [int('http.status_code', 503)] })]),
        rs('shop', [span(4, 0, 300, { attributes: [str('customer.tier', 'gold')] }), span(4, 1, 10), span(4, 2, 10), span(4, 3, 10)]),
      ],
    },
  } as ExportRequest;
}

async function sample(policies: unknown[]): Promise<number[]> {
  const telemetry = new CollectorMetrics();
  const kept: number[] = [];
  let keptSpans = 0;
  const p = tailSamplingFactory.create('tail_sampling', tailSamplingFactory.schema.parse({ decision_wait: '10ms', policies }), 'traces', {
    consume: async (d) => {
      if (d.signal !== 'traces') return;
      for (const rs of d.req.resourceSpans ?? [])
        for (const ss of rs.scopeSpans ?? [])
          for (const s of ss.spans ?? []) {
            keptSpans++;
            if (!kept.includes(s.traceId[0])) kept.push(s.traceId[0]);
          }
    },
  }, { logger: silentLogger(), telemetry, dataDir: '', storage: () => undefined, ports: {} });
  await p.start?.();
  await p.consume(input(), {});
  const dropped = async () => (await telemetry.registry.getSingleMetric('otelcol_processor_dropped_spans')!.get()).values.reduce((a, v) => a + v.value, 0);
  const deadline = Date.now() + 5000;
  while (keptSpans + (await dropped()) < 10 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  await p.shutdown?.();
  return kept.sort();
}

describe('tail_sampling (policies as the Collector documents them)', () => {
  const cases: [string, unknown[], number[]][] = [
    ['latency ≥ 500 ms', [{ name: 'slow', type: 'latency', latency: { threshold_ms: 500 } }], [1]],
    ['latency within bounds', [{ name: 'mid', type: 'latency', latency: { threshold_ms: 100, upper_threshold_ms: 400 } }], [4]],
    ['status_code ERROR', [{ name: 'errors', type: 'status_code', status_code: { status_codes: ['ERROR'] } }], [2]],
    ['string_attribute (resource)', [{ name: 's', type: 'string_attribute', string_attribute: { key: 'service.name', values: ['cart'] } }], [1]],
    ['string_attribute regex', [{ name: 's', type: 'string_attribute', string_attribute: { key: 'http.route', values: ['/p.*'], enabled_regex_matching: true } }], [1]],
    ['numeric_attribute', [{ name: 'n', type: 'numeric_attribute', numeric_attribute: { key: 'http.status_code', min_value: 500, max_value: 599 } }], [3]],
    ['span_count', [{ name: 'c', type: 'span_count', span_count: { min_spans: 3 } }], [1, 4]],
    ['and', [{ name: 'a', type: 'and', and: { and_sub_policy: [{ name: 'l', type: 'latency', latency: { threshold_ms: 100 } }, { name: 'g', type: 'string_attribute', string_attribute: { key: 'customer.tier', values: ['gold'] } }] } }], [4]],
    [
      'an inverted match vetoes the other policies',
      [
        { name: 'errors', type: 'status_code', status_code: { status_codes: ['ERROR'] } },
        { name: 'no-health', type: 'string_attribute', string_attribute: { key: 'service.name', values: ['health-checker'], invert_match: true } },
      ],
      [1, 2, 4],
    ],
    ['rate_limiting', [{ name: 'r', type: 'rate_limiting', rate_limiting: { spans_per_second: 5 } }], [1, 2]],
    [
      'composite in policy order',
      [{ name: 'c', type: 'composite', composite: { max_total_spans_per_second: 100, policy_order: ['errors', 'slow'], composite_sub_policy: [{ name: 'errors', type: 'status_code', status_code: { status_codes: ['ERROR'] } }, { name: 'slow', type: 'latency', latency: { threshold_ms: 500 } }], rate_allocation: [{ policy: 'errors', percent: 50 }, { policy: 'slow', percent: 50 }] } }],
      [1, 2],
    ],
    ['probabilistic 100 %', [{ name: 'p', type: 'probabilistic', probabilistic: { sampling_percentage: 100 } }], [1, 2, 3, 4]],
    ['probabilistic 0 %', [{ name: 'p', type: 'probabilistic', probabilistic: { sampling_percentage: 0 } }], []],
  ];
  for (const [what, policies, kept] of cases) {
    it(what, async () => {
      expect(await sample(policies)).toEqual(kept);
    });
  }
});

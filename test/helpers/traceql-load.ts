/**
 * A TraceQL load for the TraceQL pool's process test and bench: traces of a chain of spans with a few attributes, and a
 * search that no trace answers, so it decodes and evaluates every span (about 7 µs of CPU per span, measured in a worker over a head of 200,000).
 */
export const HEAVY_TRACEQL = '{ span.payload =~ ".*(q|x)+z$" } >> { } | count() > 100000';

const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');

/** OTLP/JSON spans of one resource (`service`), one trace per entry of `traces` (its number), `spans` spans each. */
export function tracesJson(service: string, traces: number[], spans: number, startMs: number): string {
  return JSON.stringify({
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
        scopeSpans: [
          {
            scope: { name: 'load' },
            spans: traces.flatMap((t) =>
              Array.from({ length: spans }, (_, i) => ({
                traceId: hex(t + 1, 32),
                spanId: hex(t * spans + i + 1, 16),
                parentSpanId: i === 0 ? '' : hex(t * spans + i, 16),
                name: `op-${i}`,
                kind: 2,
                startTimeUnixNano: String(BigInt(startMs + i) * 1_000_000n),
                endTimeUnixNano: String(BigInt(startMs + i + 5) * 1_000_000n),
                attributes: [
                  { key: 'payload', value: { stringValue: `request ${t} step ${i} of the load, nothing to see here` } },
                  { key: 'step', value: { intValue: String(i) } },
                ],
              })),
            ),
          },
        ],
      },
    ],
  });
}

/** Push OTLP/JSON to an OTLP/HTTP receiver at `base`; the response status. */
export async function pushTraces(base: string, body: string): Promise<number> {
  const r = await fetch(`${base}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  await r.arrayBuffer();
  return r.status;
}

/** `count` traces of 10 spans, 1,000 traces a request, in the minute before `nowMs`. */
export async function seedHeavyTraces(base: string, nowMs: number, count: number): Promise<void> {
  for (let first = 0; first < count; first += 1000) {
    const ids = Array.from({ length: Math.min(1000, count - first) }, (_, i) => first + i);
    const status = await pushTraces(base, tracesJson('heavy', ids, 10, nowMs - 60_000));
    if (status !== 200) throw new Error(`seeding the heavy traces: ${status}`);
  }
}

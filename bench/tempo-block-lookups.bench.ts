/**
 * Tag lookups over one large trace block (the block's columns, sliced inside the block): CPU per lookup
 * (process.cpuUsage) and the longest the event loop was held meanwhile (the largest gap of a 1 ms timer), medians of
 * ROUNDS rounds. One block of TEMPO_BLOCK_LOOKUPS_SPANS spans (default 700,000) with 3 attributes each (`k`: 3,000
 * distinct strings, an int, a bool), written through the distributor and cut; its columns are cached by a first call.
 */
import { Types, type ExportTraceServiceRequest } from '../src/otlp/index.js';
import { DistinctTagValues } from '../src/traces/model/index.js';
import { tempDir } from '../test/helpers/process.js';
import { openTracePipeline } from '../test/helpers/trace-pipeline.js';

const SPANS = Number(process.env.TEMPO_BLOCK_LOOKUPS_SPANS ?? 700_000);
const ROUNDS = 7;
const NOW = 1_700_000_000_000;
const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const round1 = (x: number) => Math.round(x * 10) / 10;

function request(first: number, n: number): ExportTraceServiceRequest {
  const start = BigInt(NOW) * 1_000_000n;
  const spans = Array.from({ length: n }, (_, j) => {
    const i = first + j;
    return {
      traceId: Buffer.from((i + 1).toString(16).padStart(32, '0'), 'hex'),
      spanId: Buffer.from((i + 1).toString(16).padStart(16, '0'), 'hex'),
      name: `op-${i % 7}`,
      startTimeUnixNano: String(start),
      endTimeUnixNano: String(start + 1_000_000n),
      attributes: [
        { key: 'k', value: { stringValue: `v${String(i % 3000).padStart(4, '0')}` } },
        { key: 'a', value: { intValue: i % 5 } },
        { key: 'b', value: { boolValue: i % 2 === 0 } },
      ],
    };
  });
  return Types.ExportTraceServiceRequest.fromObject({ resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'svc' } }] }, scopeSpans: [{ spans }] }] }) as unknown as ExportTraceServiceRequest;
}

/** CPU of `call` and the longest gap of a 1 ms timer while it ran (ms). */
async function measure(call: () => Promise<unknown>): Promise<{ cpu: number; stall: number }> {
  let last = performance.now();
  let stall = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    stall = Math.max(stall, now - last);
    last = now;
  }, 1);
  const c0 = process.cpuUsage();
  await call();
  const c = process.cpuUsage(c0);
  clearInterval(timer);
  stall = Math.max(stall, performance.now() - last);
  return { cpu: (c.user + c.system) / 1000, stall };
}

const store = await openTracePipeline(tempDir('sightline-bench-block-lookups-'), { now: () => NOW });
for (let i = 0; i < SPANS; i += 5000) await store.distributor.pushTraces('t', request(i, Math.min(5000, SPANS - i)));
await store.ingester.cutBlocks(true);
const lookups: Record<string, () => Promise<unknown>> = {
  'tag names': () => store.querier.tagNames('t'),
  'tag values (k)': () => store.querier.tagValues('t', 'any', 'k', new DistinctTagValues(0, 'v2')),
  'intrinsic values (name)': () => store.querier.intrinsicValues('t', 'name', new DistinctTagValues(0, 'v2')),
};
for (const [lookup, call] of Object.entries(lookups)) {
  await call();
  const cpu: number[] = [];
  const stall: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const m = await measure(call);
    cpu.push(m.cpu);
    stall.push(m.stall);
  }
  console.log(JSON.stringify({ bench: 'tempo_block_lookup', lookup, block_spans: SPANS, attribute_entries: 3 * SPANS, cpu_ms: round1(med(cpu)), longest_event_loop_hold_ms: round1(med(stall)), rounds: ROUNDS }));
}
await store.close();

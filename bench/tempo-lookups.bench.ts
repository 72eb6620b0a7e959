/**
 * The Tempo API's lookups that stay on the event loop (time-sliced, not in the TraceQL pool): CPU per lookup
 * (process.cpuUsage) and the longest the event loop was held meanwhile (the largest gap of a 1 ms timer), medians of
 * ROUNDS rounds — tag names and tag values over 20,000 traces of 10 spans in the head (every span decoded), and
 * the same spans flushed to one block (tag names and values: the block's columns, sliced inside the block), and trace
 * by ID over BLOCKS blocks (a bloom filter and a binary search per block). An in-process traces role.
 * TEMPO_LOOKUPS_BENCH_ONE_BLOCK=1 stops after the one-block rows; TEMPO_LOOKUPS_BENCH_BLOCK_SPANS=N measures only tag
 * lookups over one block of N spans (3 attributes each), called on the querier, medians of 7 rounds.
 */
import { startTracesStack } from '../test/helpers/traces-stack.js';
import { pushTraces, seedHeavyTraces, tracesJson } from '../test/helpers/traceql-load.js';
import { attributeSpans, openTracePipeline } from '../test/helpers/trace-pipeline.js';
import { tempDir } from '../test/helpers/process.js';
import { DistinctTagValues } from '../src/traces/model/index.js';

const TRACES = 20_000;
const BLOCKS = Number(process.env.TEMPO_LOOKUPS_BENCH_BLOCKS ?? 400);
const ROUNDS = 5;
/** With TEMPO_LOOKUPS_BENCH_BLOCK_SPANS=N: only tag lookups over one block of N spans (in-block slicing). */
const BLOCK_SPANS = Number(process.env.TEMPO_LOOKUPS_BENCH_BLOCK_SPANS ?? 0);
const nowMs = Date.now();
const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const round1 = (x: number) => Math.round(x * 10) / 10;

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

async function report(name: string, call: () => Promise<unknown>, extra: Record<string, unknown>, rounds = ROUNDS): Promise<void> {
  await call();
  const cpu: number[] = [];
  const stall: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const m = await measure(call);
    cpu.push(m.cpu);
    stall.push(m.stall);
  }
  console.log(JSON.stringify({ bench: 'tempo_lookup', lookup: name, ...extra, cpu_ms: round1(med(cpu)), longest_event_loop_hold_ms: round1(med(stall)), rounds }));
}

if (BLOCK_SPANS > 0) {
  // One block of BLOCK_SPANS spans with 3 attributes each (`k`: 3,000 distinct strings), written through the
  // distributor and cut, its lookups called on the querier (the block's columns cached by a first call).
  const store = await openTracePipeline(tempDir('sightline-bench-block-lookups-'), { now: () => nowMs });
  for (let i = 0; i < BLOCK_SPANS; i += 5000) await store.distributor.pushTraces('t', attributeSpans(i, Math.min(5000, BLOCK_SPANS - i), nowMs, 3000));
  await store.ingester.cutBlocks(true);
  const extra = { block_spans: BLOCK_SPANS, attribute_entries: 3 * BLOCK_SPANS };
  await report('tag names, one large block', () => store.querier.tagNames('t'), extra, 7);
  await report('tag values (k), one large block', () => store.querier.tagValues('t', 'any', 'k', new DistinctTagValues(0, 'v2')), extra, 7);
  await report('intrinsic values (name), one large block', () => store.querier.intrinsicValues('t', 'name', new DistinctTagValues(0, 'v2')), extra, 7);
  await store.close();
  process.exit(0);
}

const stack = await startTracesStack({ config: { traces: { query: { workers: 1, timeout: '10m' }, limits: { ingestion_rate_limit_bytes: '1GB', ingestion_burst_size_bytes: '1GB' } } } });

const get = async (path: string) => {
  const r = await fetch(`${stack.tempo}${path}`);
  if (r.status !== 200) throw new Error(`${path}: ${r.status} ${await r.text()}`);
  await r.arrayBuffer();
};

await seedHeavyTraces(stack.otlpHttp, nowMs, TRACES);
await report('tag names (v2)', () => get('/api/v2/search/tags'), { head_traces: TRACES, head_spans: TRACES * 10 });
await report('tag values (v2, span.step)', () => get('/api/v2/search/tag/span.step/values'), { head_traces: TRACES, head_spans: TRACES * 10 });
await fetch(`${stack.tempo}/flush`, { method: 'POST' });
// The same spans as one block: its attribute column (400,000 entries) scanned per lookup, its columns cached.
await report('tag names (v2), one block', () => get('/api/v2/search/tags'), { block_spans: TRACES * 10 });
await report('tag values (v2, span.step), one block', () => get('/api/v2/search/tag/span.step/values'), { block_spans: TRACES * 10 });
await report('tag values (v2, name), one block', () => get('/api/v2/search/tag/name/values'), { block_spans: TRACES * 10 });
if (process.env.TEMPO_LOOKUPS_BENCH_ONE_BLOCK === '1') {
  await stack.stop();
  process.exit(0);
}
// One trace with a span in each of BLOCKS blocks.
for (let b = 0; b < BLOCKS; b++) {
  const body = JSON.parse(tracesJson('blocks', [7_000_000], 1, nowMs + b)) as { resourceSpans: { scopeSpans: { spans: { spanId: string }[] }[] }[] };
  body.resourceSpans[0].scopeSpans[0].spans[0].spanId = (b + 1).toString(16).padStart(16, '0');
  if ((await pushTraces(stack.otlpHttp, JSON.stringify(body))) !== 200) throw new Error('push failed');
  await fetch(`${stack.tempo}/flush`, { method: 'POST' });
}
const id = (7_000_000 + 1).toString(16).padStart(32, '0');
await report('trace by ID (v2)', () => get(`/api/v2/traces/${id}`), { blocks: BLOCKS + 1 });
await report('trace by ID, absent', () => fetch(`${stack.tempo}/api/v2/traces/${'f'.repeat(32)}`).then((r) => r.arrayBuffer()), { blocks: BLOCKS + 1 });
await report('tag names (v2), blocks', () => get('/api/v2/search/tags'), { blocks: BLOCKS + 1 });
await stack.stop();

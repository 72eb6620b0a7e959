import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HEAVY_TRACEQL, pushTraces, seedHeavyTraces, tracesJson } from './helpers/traceql-load.js';
import { startTracesStack, type TracesStack } from './helpers/traces-stack.js';

/**
 * The Tempo API's per-query bounds with TraceQL evaluated on the event loop (`traces.query.workers: 0`):
 * `traces.query.timeout` stops a search and a filtered tag-values lookup (504) and, while they run, the OTLP
 * listener keeps answering (evaluation yields between traces); trace by ID gathers no more than
 * `max_bytes_per_trace` (Tempo's v1 error, v2's partial trace).
 */

const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');

/** One span of trace `trace` with an attribute of `bytes` bytes, as OTLP/JSON. */
function bigSpan(trace: number, span: number, bytes: number, startMs: number): string {
  return JSON.stringify({
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'big' } }] },
        scopeSpans: [
          {
            spans: [
              {
                traceId: hex(trace, 32),
                spanId: hex(span, 16),
                name: `part-${span}`,
                kind: 1,
                startTimeUnixNano: String(BigInt(startMs) * 1_000_000n),
                endTimeUnixNano: String(BigInt(startMs + 5) * 1_000_000n),
                attributes: [{ key: 'blob', value: { stringValue: 'x'.repeat(bytes) } }],
              },
            ],
          },
        ],
      },
    ],
  });
}

describe('Tempo query limits with TraceQL on the event loop', () => {
  let stack: TracesStack;
  const nowMs = Date.now();
  const range = `start=${Math.floor(nowMs / 1000) - 3600}&end=${Math.floor(nowMs / 1000) + 3600}`;

  beforeAll(async () => {
    stack = await startTracesStack({
      config: {
        traces: {
          query: { workers: 0, timeout: '1s' },
          limits: { ingestion_rate_limit_bytes: '1GB', ingestion_burst_size_bytes: '1GB', max_bytes_per_trace: 20_000 },
        },
      },
    });
    // 300,000 spans that the heavy query decodes and evaluates one by one: seconds of CPU, past the 1 s timeout.
    await seedHeavyTraces(stack.otlpHttp, nowMs, 30_000);
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
  });

  /**
   * Start `url`, wait until it runs, push spans to the OTLP listener: the push is acknowledged while the query still
   * runs (it has not answered yet); the query's status and body.
   */
  async function whileRunning(url: string): Promise<{ status: number; text: string }> {
    let answered = false;
    const query = fetch(url).then(async (r) => {
      answered = true;
      return { status: r.status, text: await r.text() };
    });
    await sleep(100);
    expect(await pushTraces(stack.otlpHttp, tracesJson('probe', [900_000], 2, Date.now()))).toBe(200);
    expect((await fetch(`${stack.tempo}/api/echo`)).status).toBe(200);
    expect(answered).toBe(false);
    return query;
  }

  it('answers tag names and values from the head, reading the spans without decoding them', async () => {
    const json = async <T>(path: string) => (await (await fetch(`${stack.tempo}${path}`)).json()) as T;
    const scopes = (await json<{ scopes: { name: string; tags: string[] }[] }>('/api/v2/search/tags')).scopes;
    expect(scopes.find((x) => x.name === 'span')?.tags).toEqual(['payload', 'step']);
    expect(scopes.find((x) => x.name === 'resource')?.tags).toEqual(['service.name']);
    const values = async (tag: string) => (await json<{ tagValues: { type: string; value: string }[] }>(`/api/v2/search/tag/${tag}/values`)).tagValues;
    expect(await values('span.step')).toEqual(Array.from({ length: 10 }, (_, i) => ({ type: 'int', value: String(i) })).sort((a, b) => (a.value < b.value ? -1 : 1)));
    expect(await values('name')).toHaveLength(10);
    expect(await values('rootServiceName')).toEqual([{ type: 'string', value: 'heavy' }]);
    expect((await json<{ tagValues: string[] }>('/api/search/tag/service.name/values')).tagValues).toEqual(['heavy']);
  }, 30_000);

  it('stops a search at traces.query.timeout (504) and answers other requests meanwhile', async () => {
    const r = await whileRunning(`${stack.tempo}/api/search?q=${encodeURIComponent(HEAVY_TRACEQL)}&${range}`);
    expect(r).toEqual({ status: 504, text: 'query timed out\n' });
  }, 30_000);

  it('stops a tag-values lookup filtered by a pathological q= the same way', async () => {
    const q = '{ span.payload =~ ".*(q|x)+z$" } >> { span.payload =~ ".*(q|x)+z$" }';
    const r = await whileRunning(`${stack.tempo}/api/v2/search/tag/span.step/values?q=${encodeURIComponent(q)}&${range}`);
    expect(r).toEqual({ status: 504, text: 'query timed out\n' });
    // A cheap filter still answers.
    const ok = await fetch(`${stack.tempo}/api/v2/search/tag/resource.service.name/values?q=${encodeURIComponent('{ resource.service.name = "probe" }')}&${range}`);
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { tagValues: unknown[] }).tagValues).toEqual([{ type: 'string', value: 'probe' }]);
  }, 30_000);

  it("answers a trace over max_bytes_per_trace as Tempo: v1 500 'trace exceeds max size', v2 the part that fits, PARTIAL", async () => {
    // Each part fits the ingest limit (the trace is live in the head only until the flush); together they do not.
    expect(await pushTraces(stack.otlpHttp, bigSpan(0xb16, 1, 12_000, nowMs))).toBe(200);
    expect((await fetch(`${stack.tempo}/flush`, { method: 'POST' })).status).toBe(204);
    expect(await pushTraces(stack.otlpHttp, bigSpan(0xb16, 2, 12_000, nowMs + 1))).toBe(200);
    const id = hex(0xb16, 32);
    const v1 = await fetch(`${stack.tempo}/api/traces/${id}`);
    expect(v1.status).toBe(500);
    expect(await v1.text()).toBe('trace exceeds max size (max bytes: 20000)\n');
    const v2 = await fetch(`${stack.tempo}/api/v2/traces/${id}`);
    expect(v2.status).toBe(200);
    const body = (await v2.json()) as { status?: string; message?: string; trace: { resourceSpans: { scopeSpans: { spans: { name: string }[] }[] }[] } };
    expect(body.status).toBe('PARTIAL');
    expect(body.message).toBe('Trace exceeds maximum size of 20000 bytes, a partial trace is returned');
    // The head's part was gathered first; the block's no longer fit.
    expect(body.trace.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans.map((s) => s.name)))).toEqual(['part-2']);
    // A trace under the limit is whole, with no status.
    expect(await pushTraces(stack.otlpHttp, bigSpan(0xb17, 1, 5_000, nowMs))).toBe(200);
    const whole = (await (await fetch(`${stack.tempo}/api/v2/traces/${hex(0xb17, 32)}`)).json()) as { status?: string };
    expect(whole.status).toBeUndefined();
    expect((await fetch(`${stack.tempo}/api/traces/${hex(0xb17, 32)}`)).status).toBe(200);
  }, 30_000);
});

import { describe, expect, it } from 'vitest';
import { Types, decodeTracesRequest, type ExportTraceServiceRequest } from '../../otlp/index.js';
import { tempDir } from '../../../test/helpers/process.js';
import { openTracePipeline } from '../../../test/helpers/trace-pipeline.js';
import { HEADS_WAIT_MS } from './ingester.js';

/** A push of 20 one-span traces (from `first`) of about 100 bytes each. */
function push(first: number): { req: ExportTraceServiceRequest; bytes: number } {
  const start = BigInt(Date.now()) * 1_000_000n;
  const spans = Array.from({ length: 20 }, (_, i) => ({
    traceId: Buffer.from((first + i + 1).toString(16).padStart(32, '0'), 'hex'),
    spanId: Buffer.alloc(8, 1),
    name: 'op',
    startTimeUnixNano: String(start),
    endTimeUnixNano: String(start + 1_000_000n),
    attributes: [{ key: 'pad', value: { stringValue: 'x'.repeat(40) } }],
  }));
  const bytes = Types.ExportTraceServiceRequest.encode(Types.ExportTraceServiceRequest.fromObject({ resourceSpans: [{ resource: {}, scopeSpans: [{ scope: { name: 's' }, spans }] }] })).finish();
  return { req: decodeTracesRequest(bytes), bytes: bytes.length };
}

describe('ingester', () => {
  it('holds pushes while the heads hold two blocks of span data, lets them in once a block is written, refuses (retryably) past the wait bound', async () => {
    const maxBlockBytes = 20_000;
    const p = await openTracePipeline(tempDir(), { maxBlockBytes });
    // Block writing held up: a maintenance step that ends when told (the cut the pushes queue runs after it).
    let open!: () => void;
    void p.blocks.maintenance(() => new Promise<void>((res) => (open = res)));
    let held = 0;
    const waiting: Promise<unknown>[] = [];
    let refused: unknown;
    for (let i = 0; !refused; i += 20) {
      const { req, bytes } = push(i);
      let settled = false;
      const pushed = p.distributor.pushTraces('t', req).then(
        (r) => ((settled = true), r),
        (e: unknown) => ((settled = true), e),
      );
      await new Promise((res) => setTimeout(res, 5));
      if (!settled) waiting.push(pushed);
      else if ((await pushed) instanceof Error) refused = await pushed;
      else held += bytes;
    }
    expect(refused).toMatchObject({ reason: 'live_traces_exceeded', message: expect.stringMatching(/^LIVE_TRACES_EXCEEDED: the head holds \d+ bytes not yet written to blocks \(limit 40000\); retry later$/) });
    expect(held).toBeLessThanOrEqual(2 * maxBlockBytes);
    expect(held).toBeGreaterThan(2 * maxBlockBytes - 2500);
    // Up to a quarter of a block of pushes wait (each ~2.2 kB); the next is refused at once.
    expect(waiting).toHaveLength(2);
    // Once the held-up cut writes its block, the waiting pushes go in, in order.
    open();
    await expect(Promise.all(waiting)).resolves.toEqual([
      { rejected: 0, message: '' },
      { rejected: 0, message: '' },
    ]);
    expect(p.blocks.metas('t')).toHaveLength(1);
    await expect(p.distributor.pushTraces('t', push(100_000).req)).resolves.toEqual({ rejected: 0, message: '' });
    await p.close();
  });

  it(`refuses a push (retryably) that waited ${HEADS_WAIT_MS} ms for room in vain`, async () => {
    const maxBlockBytes = 20_000;
    const p = await openTracePipeline(tempDir(), { maxBlockBytes });
    let open!: () => void;
    void p.blocks.maintenance(() => new Promise<void>((res) => (open = res)));
    let i = 0;
    for (; p.ingester.waitForRoom(2500) === undefined; i += 20) await p.distributor.pushTraces('t', push(i).req);
    const t0 = performance.now();
    await expect(p.distributor.pushTraces('t', push(i).req)).rejects.toMatchObject({ reason: 'live_traces_exceeded' });
    expect(performance.now() - t0).toBeGreaterThanOrEqual(HEADS_WAIT_MS - 50);
    open();
    await p.close();
  });

  it('cuts the head into a block as soon as a push takes it to a block of span data, without waiting for a flush check', async () => {
    const maxBlockBytes = 20_000;
    const p = await openTracePipeline(tempDir(), { maxBlockBytes });
    let held = 0;
    for (let i = 0; held < maxBlockBytes; i += 20) {
      const { req, bytes } = push(i);
      await p.distributor.pushTraces('t', req);
      held += bytes;
    }
    // Nothing asked for a cut: wait for the maintenance queued so far, and the block is there.
    await p.blocks.maintenance(() => Promise.resolve());
    expect(p.blocks.metas('t')).toHaveLength(1);
    expect(p.blocks.metas('t')[0].traces).toBeGreaterThanOrEqual(maxBlockBytes / 110);
    expect(p.ingester.headSpanCount()).toBe(0);
    await p.close();
  });
});

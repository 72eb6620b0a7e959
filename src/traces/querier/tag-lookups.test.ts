import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/helpers/process.js';
import { attributeSpans, openTracePipeline } from '../../../test/helpers/trace-pipeline.js';
import { DistinctTagValues } from '../model/index.js';
import type { TracePipeline } from '../pipeline.js';

/** Spans in one block whose attribute column holds 60,000 entries (3 attributes per span). */
const SPANS = 20_000;
const DISTINCT = 3000;
const NOW = 1_700_000_000_000;

let store: TracePipeline;
beforeAll(async () => {
  store = await openTracePipeline(tempDir('sightline-tag-lookups-'), { now: () => NOW });
  for (let i = 0; i < SPANS; i += 2000) await store.distributor.pushTraces('t', attributeSpans(i, 2000, NOW, DISTINCT));
  await store.ingester.cutBlocks(true);
}, 60_000);
afterAll(async () => {
  await store.close();
});

const block = () => {
  const blocks = store.blocks.forTenant('t');
  expect(blocks).toHaveLength(1);
  return blocks[0];
};

/** A step that counts its calls and throws at call `throwAt` (a deadline passing inside the block). */
function countingStep(throwAt = Infinity) {
  const s = { calls: 0, step: async () => {} };
  s.step = async () => {
    if (++s.calls >= throwAt) throw new Error('deadline');
  };
  return s;
}

describe("one block's tag lookups are sliced inside the block", () => {
  it('tag values: the column scan takes a step every 4,096 entries and stops at a deadline inside the block', async () => {
    const s = countingStep();
    const all = new DistinctTagValues(0, 'v2');
    expect(await block().tagValues('any', 'k', all, s.step)).toBe(false);
    expect(all.values()).toHaveLength(DISTINCT);
    // 60,000 span attribute entries and 1 resource entry: 15 + 1 steps.
    expect(s.calls).toBe(Math.ceil((3 * SPANS) / 4096) + 1);
    const stopped = countingStep(3);
    const some = new DistinctTagValues(0, 'v2');
    await expect(block().tagValues('span', 'k', some, stopped.step)).rejects.toThrow('deadline');
    expect(stopped.calls).toBe(3);
    expect(some.values().length).toBeGreaterThan(0);
    expect(some.values().length).toBeLessThan(DISTINCT);
  });

  it('tag names and intrinsic values: the same', async () => {
    const names = countingStep();
    expect(await block().tagNames(names.step)).toEqual({ span: new Set(['k', 'a', 'b']), resource: new Set(['service.name']) });
    expect(names.calls).toBe(Math.ceil((3 * SPANS) / 4096) + 1);
    await expect(block().tagNames(countingStep(2).step)).rejects.toThrow('deadline');
    const ops = countingStep();
    const into = new DistinctTagValues(0, 'v2');
    expect(await block().intrinsicValues('name', into, ops.step)).toBe(false);
    expect(into.values().map((v) => v.value).sort()).toEqual(Array.from({ length: 7 }, (_, i) => `op-${i}`));
    expect(ops.calls).toBe(Math.ceil(SPANS / 4096));
  });

  it('a lookup stops reading at max_bytes_per_tag_values_query', async () => {
    // 'string' + 'v0000' = 11 bytes a value: 9 fit under 100.
    const into = new DistinctTagValues(100, 'v2');
    const s = countingStep();
    expect(await block().tagValues('span', 'k', into, s.step)).toBe(true);
    expect(into.values()).toHaveLength(9);
    expect(s.calls).toBe(1);
    const viaQuerier = new DistinctTagValues(100, 'v1');
    await store.querier.tagValues('t', 'any', 'k', viaQuerier);
    expect(viaQuerier.values()).toHaveLength(19); // 5 bytes a value
    expect(viaQuerier.exceeded).toBe(true);
  });

  it('the querier aborts a block scan once its signal aborts (the lookup deadline)', async () => {
    const ac = new AbortController();
    ac.abort('timeout');
    await expect(store.querier.tagValues('t', 'any', 'k', new DistinctTagValues(0, 'v2'), { signal: ac.signal })).rejects.toThrow(/timed out/);
  });
});

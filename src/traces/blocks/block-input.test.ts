import { describe, expect, it } from 'vitest';
import { dataBytesOfMerge, mergePlan, type MergeInput } from './block-input.js';

/** An input block's index: IDs (each given as one distinguishing byte, in ID order) at offsets 100·i, length 10 + i. */
function index(idBytes: number[]): { ids: Uint8Array; dataOff: Float64Array; dataLen: Float64Array } {
  const ids = new Uint8Array(16 * idBytes.length);
  idBytes.forEach((b, i) => {
    ids[16 * i] = 1;
    ids[16 * i + 15] = b;
  });
  return { ids, dataOff: Float64Array.from(idBytes, (_, i) => 100 * i), dataLen: Float64Array.from(idBytes, (_, i) => 10 + i) };
}

describe('mergePlan', () => {
  it('merges the inputs’ sorted indexes into output traces in ID order, each trace’s parts in input order', () => {
    const a = index([1, 4, 9]);
    const b = index([2, 4, 200]);
    const c = index([4, 9]);
    const m: MergeInput = { datas: [new Uint8Array(0), new Uint8Array(0), new Uint8Array(0)], ids: [a.ids, b.ids, c.ids], dataOff: [a.dataOff, b.dataOff, c.dataOff], dataLen: [a.dataLen, b.dataLen, c.dataLen] };
    const plan = mergePlan(m);
    const last = (t: number) => plan.ids[16 * t + 15];
    expect(Array.from({ length: plan.ids.length / 16 }, (_, t) => last(t))).toEqual([1, 2, 4, 9, 200]);
    const partsOf = (t: number) => Array.from(plan.parts.subarray(3 * plan.traceParts[t], 3 * plan.traceParts[t + 1]));
    expect(partsOf(0)).toEqual([0, 0, 10]);
    expect(partsOf(1)).toEqual([1, 0, 10]);
    // Trace 4 is in all three inputs: (input, offset, length) from a, b, c in that order.
    expect(partsOf(2)).toEqual([0, 100, 11, 1, 100, 11, 2, 0, 10]);
    expect(partsOf(3)).toEqual([0, 200, 12, 2, 100, 11]);
    expect(partsOf(4)).toEqual([1, 200, 12]);
    expect(plan.traceParts[5]).toBe(8);
    expect(dataBytesOfMerge(m)).toBe(33 + 33 + 21);
  });
});

import { describe, expect, it } from 'vitest';
import { Labels } from '../../../model/index.js';
import { LabelSetIds, WorkerLabelSets, workerLabelSetLimit } from './label-sets.js';

const set = (i: number) => Labels.fromObject({ __name__: 'x', job: 'j', i: String(i) });

describe('label sets a query worker keeps', () => {
  it('sends a label set once; later selections of it carry only its id, and the worker reads it back', () => {
    const main = new LabelSetIds(100);
    const worker = new WorkerLabelSets();
    const a = [set(0), set(1), set(2)];
    const first = main.encode(a);
    expect(first.defs).toMatchObject({ reset: false, first: 0 });
    // Shared strings cross once: __name__, x, job, j, i and three values.
    expect(first.defs!.strings).toHaveLength(8);
    worker.define(first.defs!);
    expect([...first.ids].map((id) => worker.get(id).toString())).toEqual(a.map((l) => l.toString()));
    const b = [a[2], set(3), a[0]];
    const second = main.encode(b);
    expect(second.defs).toMatchObject({ first: 3 });
    expect(second.defs!.offsets).toHaveLength(2);
    worker.define(second.defs!);
    expect([...second.ids].map((id) => worker.get(id).toString())).toEqual(b.map((l) => l.toString()));
    const third = main.encode([a[1]]);
    expect(third.defs).toBeUndefined();
    expect(worker.get(third.ids[0]).toString()).toBe(a[1].toString());
  });

  it('starts numbering again past its limit, and the worker forgets what it held', () => {
    const main = new LabelSetIds(4);
    const worker = new WorkerLabelSets();
    worker.define(main.encode([set(0), set(1), set(2)]).defs!);
    const again = main.encode([set(3), set(4)]);
    expect(again.defs).toMatchObject({ reset: true, first: 0 });
    worker.define(again.defs!);
    expect(worker.size).toBe(2);
    expect(worker.get(again.ids[1]).get('i')).toBe('4');
  });

  it('refuses definitions out of step and ids it does not hold', () => {
    const main = new LabelSetIds(100);
    main.encode([set(0)]);
    const worker = new WorkerLabelSets();
    expect(() => worker.define(main.encode([set(1)]).defs!)).toThrow(/out of step/);
    expect(() => worker.get(0)).toThrow(/unknown label set/);
  });

  it('keeps 1,024 label sets per MiB of worker heap, at most 2^18', () => {
    expect(workerLabelSetLimit(64)).toBe(65_536);
    expect(workerLabelSetLimit(4096)).toBe(1 << 18);
    expect(workerLabelSetLimit(undefined)).toBe(1 << 18);
  });
});

import { describe, expect, it } from 'vitest';
import { Labels, Matcher } from '../../model/index.js';
import { Head } from './head.js';
import { TsdbQuerier } from './querier.js';

describe('head readers', () => {
  it('a selection counts as a reader of the head until it returns', async () => {
    const head = new Head(7200_000);
    for (let i = 0; i < 100; i++) head.getOrCreate(Labels.fromObject({ __name__: 'x', i: String(i) }));
    const q = new TsdbQuerier(head, [], 0, 1000);
    const p = q.select([new Matcher('=', '__name__', 'x')], { start: 0, end: 1000 }, true);
    expect(head.pendingReaders).toBe(1);
    await p;
    expect(head.pendingReaders).toBe(0);
  });

  it('truncation waits for the readers, at most the given time', async () => {
    const head = new Head(7200_000);
    head.pendingReaders++;
    let done = false;
    const waited = head.waitForPendingReaders().then((ok) => {
      done = true;
      return ok;
    });
    await new Promise((r) => setTimeout(r, 30));
    expect(done).toBe(false);
    head.pendingReaders--;
    expect(await waited).toBe(true);
    head.pendingReaders++;
    expect(await head.waitForPendingReaders(20)).toBe(false);
  });
});

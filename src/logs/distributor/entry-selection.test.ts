import { describe, expect, it } from 'vitest';
import { Labels } from '../../model/index.js';
import { lineAt, lineBytesOf } from '../model/index.js';
import { EntrySelection, type StreamEntries } from './entry-selection.js';

const entries = (): StreamEntries => ({ labels: Labels.fromObject({ a: 'b' }), ts: BigInt64Array.of(1n, 2n, 3n, 4n), lines: lineBytesOf(['one', 'two', 'three', 'four']), metadata: [undefined, [['k', 'v']], undefined, undefined] });
const lines = (e: StreamEntries) => Array.from(e.ts, (_, i) => lineAt(e.lines, i));

describe('EntrySelection', () => {
  it('passes the columns on unchanged when every entry is kept', () => {
    const src = entries();
    const sel = new EntrySelection(src);
    for (let i = 0; i < 4; i++) sel.take(i);
    expect(sel.result()).toBe(src);
  });

  it('keeps the taken entries in order once one is dropped, with their metadata and shortened lines', () => {
    const sel = new EntrySelection(entries());
    sel.take(0);
    sel.take(1, 3 + 2); // 'two' (bytes 3-6) cut to 'tw'
    sel.drop(2);
    sel.take(3);
    const r = sel.result()!;
    expect([...r.ts]).toEqual([1n, 2n, 4n]);
    expect(lines(r)).toEqual(['one', 'tw', 'four']);
    expect(r.metadata).toEqual([undefined, [['k', 'v']], undefined]);
  });

  it('gives nothing when every entry is dropped', () => {
    const sel = new EntrySelection(entries());
    for (let i = 0; i < 4; i++) sel.drop(i);
    expect(sel.result()).toBeUndefined();
  });
});

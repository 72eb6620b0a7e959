import { describe, expect, it } from 'vitest';
import { LineDecoder } from './line-decoder.js';
import { ownedCopy } from './owned-bytes.js';

describe('ownedCopy', () => {
  it('joins the parts into memory of their own size, not a slab of the shared allocation pool', () => {
    const read = Buffer.from('0123456789abcdef');
    const copy = ownedCopy(read.subarray(10), Buffer.from('xy'));
    expect(copy.toString()).toBe('abcdefxy');
    expect(copy.buffer.byteLength).toBe(8);
    // What it replaces: a small Buffer.from copy lives in (and keeps alive) an 8 KiB pool slab.
    expect(Buffer.from(read.subarray(10)).buffer.byteLength).toBe(Buffer.poolSize);
  });

  it('holds a partial line in its own memory until its newline', () => {
    const d = new LineDecoder('utf-8', 1024, false);
    const read = Buffer.alloc(4096);
    const n = read.write('first\nhalf a li');
    expect(d.pushRanges(read, n)).toBe(1);
    const held = (d as unknown as { parts: Buffer[] }).parts;
    expect(held.map((p) => p.toString())).toEqual(['half a li']);
    expect(held[0].buffer.byteLength).toBe('half a li'.length);
  });
});

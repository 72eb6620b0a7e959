import { describe, expect, it } from 'vitest';
import { Labels } from '../../../model/index.js';
import { ChunkDecoder, encodeChunk, scanChunk } from '../../storage/index.js';
import { sourceFromWire, sourceToWire } from './wire.js';

/** A head block slice through the wire and scanned as the worker scans it. */
function roundTrip(lines: string[]) {
  const ts = BigInt64Array.from(lines.map((_, i) => 1_700_000_000_000_000_000n + BigInt(i) * 1_500n));
  const labels = Labels.fromObject({ app: 'x' });
  const transfer: ArrayBuffer[] = [];
  const w = sourceToWire({ labels, minT: ts[0], maxT: ts[ts.length - 1], bytes: 0, block: { ts, lines } }, transfer);
  // What crosses is transferred buffers, no strings.
  expect(transfer.length).toBe(3);
  const s = sourceFromWire(structuredClone(w, { transfer }));
  const b = scanChunk(s.labels, s.chunk!, 0n, 2n ** 62n, undefined);
  return { ts: Array.from(b.ts), lines: b.lines, want: Array.from(ts) };
}

describe('head blocks on the LogQL worker wire', () => {
  it('cross as chunk columns with their lines and times unchanged', () => {
    for (const lines of [
      ['level=info a=1', '', 'level=error b="x y"'],
      ['héllo wörld', '日本語 ログ', 'emoji 🎉 ok', 'plain'],
      // A lone high surrogate at a line's end and a lone low one at the next line's start must not join.
      ['end \ud83c', '\udf89 start'],
    ]) {
      const r = roundTrip(lines);
      expect(r.ts).toEqual(r.want);
      expect(r.lines).toEqual(lines.map((l) => Buffer.from(l, 'utf8').toString('utf8')));
    }
  });
});

describe('stored chunks on the LogQL worker wire', () => {
  it('cross compressed, in a copy of their own (the cached bytes stay usable), and scan as the lines written', async () => {
    const labels = Labels.fromObject({ app: 'x' });
    const decoder = new ChunkDecoder();
    for (const n of [2000, 3]) {
      const ts = Array.from({ length: n }, (_, i) => 1_700_000_000_000_000_000n + BigInt(i) * 1_000n);
      const lines = Array.from({ length: n }, (_, i) => `level=info i=${i} msg="request served"`);
      const stored = await encodeChunk({ ts, lines });
      const transfer: ArrayBuffer[] = [];
      const w = sourceToWire({ labels, minT: ts[0], maxT: ts[n - 1], bytes: 0, stored }, transfer);
      expect(transfer.length).toBe(1);
      expect(transfer[0].byteLength).toBe(stored.length);
      const s = sourceFromWire(structuredClone(w, { transfer }), decoder);
      expect(stored.length).toBeGreaterThan(0);
      expect(s.bytes).toBe(lines.reduce((a, l) => a + l.length, 0));
      const b = scanChunk(s.labels, s.chunk!, 0n, 2n ** 62n, undefined);
      expect(b.lines).toEqual(lines);
      expect(Array.from(b.ts)).toEqual(ts);
    }
  });
});

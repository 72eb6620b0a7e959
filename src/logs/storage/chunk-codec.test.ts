import { describe, expect, it } from 'vitest';
import { ChunkDecoder, ENCODING_DEFLATE, ENCODING_GZIP, ENCODING_NONE, ENCODING_SNAPPY, chunkTs, decodeChunk, encodeChunk, type DecodedChunk } from './chunk-codec.js';

describe('chunk codec', () => {
  it('round-trips timestamps (including out-of-order deltas), lines and metadata with deflate (default), snappy, gzip and none', async () => {
    const ts = [1_700_000_000_000_000_001n, 1_700_000_000_000_000_500n, 1_699_999_999_000_000_000n, 1_700_000_100_000_000_000n];
    const lines = ['first', 'ünïcödé ✓', '', 'x'.repeat(1000)];
    const metadata = [undefined, [['trace_id', 'abc']] as Array<[string, string]>, undefined, undefined];
    for (const enc of [undefined, ENCODING_SNAPPY, ENCODING_GZIP, ENCODING_NONE]) {
      const buf = await encodeChunk({ ts, lines, metadata }, enc);
      expect(buf[5]).toBe(enc ?? ENCODING_DEFLATE);
      const d = await decodeChunk(buf);
      expect(d.n).toBe(4);
      expect(Array.from({ length: 4 }, (_, i) => chunkTs(d, i))).toEqual(ts);
      expect(Array.from({ length: 4 }, (_, i) => d.data.toString('utf8', d.offsets[i], d.offsets[i + 1]))).toEqual(lines);
      expect(d.metadata).toEqual(metadata);
    }
  });

  it('writes lines given as UTF-8 bytes (as a head block gives them) exactly as the same lines given as strings', async () => {
    const ts = [1n, 2n, 3n];
    const lines = ['a', 'ünïcödé ✓', ''];
    const asBytes = await encodeChunk({ ts, lines: lines.map((l) => Buffer.from(l)) }, ENCODING_NONE);
    expect(asBytes.equals(await encodeChunk({ ts, lines }, ENCODING_NONE))).toBe(true);
  });

  it('compresses repetitive log lines well', async () => {
    const lines = Array.from({ length: 5000 }, (_, i) => `ts=2024-01-01T00:00:${String(i % 60).padStart(2, '0')}Z level=info caller=server.go:123 msg="request served" path=/api/v1/items/${i % 97} status=200 duration=${i % 13}ms`);
    const ts = lines.map((_, i) => 1_700_000_000_000_000_000n + BigInt(i) * 1_000_000n);
    const raw = lines.reduce((n, l) => n + l.length, 0);
    const buf = await encodeChunk({ ts, lines });
    expect(buf.length).toBeLessThan(raw / 3);
  });

  it('decodes on the calling thread into reused arrays exactly as the asynchronous decode, chunk after chunk of every encoding', async () => {
    const decoder = new ChunkDecoder();
    const view = (d: DecodedChunk) => ({
      n: d.n,
      ts: Array.from({ length: d.n }, (_, i) => chunkTs(d, i)),
      lines: Array.from({ length: d.n }, (_, i) => d.data.toString('utf8', d.offsets[i], d.offsets[i + 1])),
      metadata: d.metadata,
    });
    // Sizes go up and down: a smaller chunk after a larger one must not show the larger one's tail.
    for (const n of [300, 5, 1000, 1, 0, 40]) {
      for (const enc of [ENCODING_DEFLATE, ENCODING_SNAPPY, ENCODING_GZIP, ENCODING_NONE]) {
        const ts = Array.from({ length: n }, (_, i) => 1_700_000_000_000_000_000n + BigInt(i % 7 === 3 ? -i : i) * 1_000n + BigInt(n));
        const lines = Array.from({ length: n }, (_, i) => `n=${n} i=${i} ${'ü'.repeat(i % 5)}`);
        const metadata = n === 40 ? lines.map((_, i) => (i % 2 ? ([['k', String(i)]] as Array<[string, string]>) : undefined)) : undefined;
        const buf = await encodeChunk({ ts, lines, metadata }, enc);
        const got = decoder.decode(buf);
        expect(got.off.length).toBe(n);
        expect(got.offsets.length).toBe(n + 1);
        expect(view(got)).toEqual(view(await decodeChunk(buf)));
        expect(view(got).ts).toEqual(ts);
      }
    }
    expect(() => decoder.decode(Buffer.from('nope, not a chunk'))).toThrow('bad magic');
  });

  it('with a probe literal the payload lacks, skips the entries but keeps the line bytes; with one it holds, decodes as without', async () => {
    const decoder = new ChunkDecoder();
    for (const enc of [ENCODING_DEFLATE, ENCODING_SNAPPY, ENCODING_GZIP, ENCODING_NONE]) {
      for (const n of [0, 1, 700]) {
        // Deltas from 1 ns to hours (varints of 1 to 7 bytes), lines of 0 to 300 bytes (1- and 2-byte lengths).
        const ts = Array.from({ length: n }, (_, i) => 1_700_000_000_000_000_000n + BigInt(i) ** 4n * 1_000n);
        const lines = Array.from({ length: n }, (_, i) => `${i === 350 ? 'needle ' : ''}line ${i} ${'ü'.repeat(i % 150)}`);
        const metadata = n === 700 ? lines.map((_, i) => (i % 3 ? ([['k', i === 5 ? 'only-in-metadata' : String(i)]] as Array<[string, string]>) : undefined)) : undefined;
        const buf = await encodeChunk({ ts, lines, metadata }, enc);
        const full = await decodeChunk(buf);
        const without = decoder.decode(buf, Buffer.from('absent'));
        expect(without.n).toBe(0);
        expect(without.offsets[0]).toBe(0);
        expect(Buffer.compare(without.data, full.data)).toBe(0);
        for (const probe of n === 700 ? ['needle', 'only-in-metadata'] : []) {
          const got = decoder.decode(buf, Buffer.from(probe));
          expect(got.n).toBe(n);
          expect(Array.from({ length: n }, (_, i) => chunkTs(got, i))).toEqual(ts);
          expect(Array.from(got.offsets)).toEqual(Array.from(full.offsets));
          expect(got.metadata).toEqual(metadata);
        }
      }
    }
  });

  it('inflates deflate chunks into one reused buffer, refuses a corrupt or truncated one, and decodes the next after it', async () => {
    const decoder = new ChunkDecoder();
    const chunk = (k: number) => encodeChunk({ ts: [1n, 2n], lines: [`line ${k} ${'x'.repeat(200)}`, `and ${k}`] });
    const [a, b] = [await chunk(1), await chunk(2)];
    const da = decoder.decode(a).data;
    const buffer = da.buffer;
    expect(da.toString()).toContain('line 1');
    const db = decoder.decode(b).data;
    expect(db.buffer).toBe(buffer);
    expect(db.toString()).toContain('line 2');
    const corrupt = Buffer.from(b);
    corrupt.fill(0xff, 10, 20);
    expect(() => decoder.decode(corrupt)).toThrow('corrupt deflate payload');
    expect(() => decoder.decode(b.subarray(0, b.length - 5))).toThrow('corrupt deflate payload');
    const longer = Buffer.from(b);
    longer.writeUInt32LE(longer.readUInt32LE(6) + 1, 6);
    expect(() => decoder.decode(longer)).toThrow('corrupt deflate payload');
    expect(decoder.decode(a).data.toString()).toContain('line 1');
  });

  it('refuses an unknown encoding', async () => {
    const buf = await encodeChunk({ ts: [1n], lines: ['a'] });
    buf[5] = 9;
    await expect(decodeChunk(buf)).rejects.toThrow('unknown encoding 9');
  });

  it('refuses a non-chunk', async () => {
    await expect(decodeChunk(Buffer.from('nope, not a chunk'))).rejects.toThrow('bad magic');
  });
});

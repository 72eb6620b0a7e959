import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { Labels } from '../../model/index.js';
import { Block, BlockCorruptError, UnsupportedBlockFormatError } from './block.js';
import { writeBlock, type ChunkSource } from './block-writer.js';
import { crc32c } from './crc32c.js';
import { Tsdb } from './tsdb.js';
import { XorChunkAppender, decodeXorChunk } from './xor-chunk.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'sightline-block-'));

function chunk(ts: number[]): ChunkSource {
  const a = new XorChunkAppender();
  for (const t of ts) a.append(t, t / 10);
  return { minT: ts[0], maxT: ts[ts.length - 1], data: a.seal() };
}

describe('block files', () => {
  it('checksums with CRC-32C (Castagnoli)', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    const b = Buffer.from('The quick brown fox jumps over the lazy dog');
    expect(crc32c(b, 7, 20)).toBe(crc32c(b.subarray(7, 20)));
    // continued over two parts = over the whole
    expect(crc32c(b, 5, b.length, crc32c(b, 0, 5))).toBe(crc32c(b));
  });

  it('round-trips series, chunk metas (overlapping chunks too) and chunk data', async () => {
    const dir = tmp();
    const series = [
      { labels: Labels.fromObject({ __name__: 'a', x: '1' }), chunks: [chunk([0, 10, 20]), chunk([5, 15]), chunk([100, 200, 300])] },
      { labels: Labels.fromObject({ __name__: 'b', y: 'ü' }), chunks: [chunk([-50, -40]), chunk([1e12, 1e12 + 1])] },
    ];
    const meta = (await writeBlock(dir, '01JZZZZZZZZZZZZZZZZZZZZZZZ', -50, 1e12 + 2, series, { level: 1, sources: [] }))!;
    expect(meta.stats).toEqual({ numSamples: 12, numSeries: 2, numChunks: 5 });
    const b = Block.open(join(dir, meta.ulid));
    expect(b.labelNames()).toEqual(['__name__', 'x', 'y']);
    expect(b.labelValuesFor('__name__')).toEqual(['a', 'b']);
    const all = b.allPostings();
    expect(all.length).toBe(2);
    expect(Array.from(b.postings('y', 'ü'))).toEqual([all[1]]);
    expect(b.postings('y', 'nope').length).toBe(0);
    const read = b.readSeries(all);
    expect(read.map((s) => s.labels.toString())).toEqual(series.map((s) => s.labels.toString()));
    read.forEach((rs, i) => {
      const want = series[i].chunks;
      expect(rs.chunks.length).toBe(want.length * 3);
      want.forEach((c, j) => {
        expect([rs.chunks[j * 3], rs.chunks[j * 3 + 1]]).toEqual([c.minT, c.maxT]);
        expect(Buffer.from(b.readChunk(rs.chunks[j * 3 + 2])).equals(Buffer.from(c.data))).toBe(true);
      });
    });
    const t = new Float64Array(3);
    const v = new Float64Array(3);
    const [first] = b.chunksIn(read[0], 12, 18);
    expect(decodeXorChunk(first.data, t, v, 0)).toBe(3);
    expect(Array.from(t)).toEqual([0, 10, 20]);
    b.release();
  });

  it('reads series records longer than the read-ahead (many chunks)', async () => {
    const dir = tmp();
    const many = Array.from({ length: 300 }, (_, i) => chunk([i * 1000, i * 1000 + 500]));
    const series = [
      { labels: Labels.fromObject({ s: '1' }), chunks: many },
      { labels: Labels.fromObject({ s: '2' }), chunks: many.slice(0, 2) },
    ];
    const meta = (await writeBlock(dir, '01JWWWWWWWWWWWWWWWWWWWWWWW', 0, 300_000, series, { level: 1, sources: [] }))!;
    const b = Block.open(join(dir, meta.ulid));
    const read = b.readSeries(b.allPostings());
    expect(read.map((r) => r.chunks.length / 3)).toEqual([300, 2]);
    expect(read[0].chunks[299 * 3]).toBe(299_000);
    expect(b.chunksIn(read[0], 0, 300_000).length).toBe(300);
    b.release();
  });

  it('detects a corrupted chunk by its checksum', async () => {
    const dir = tmp();
    const meta = (await writeBlock(dir, '01JYYYYYYYYYYYYYYYYYYYYYYY', 0, 100, [{ labels: Labels.fromObject({ a: 'b' }), chunks: [chunk([1, 2, 3])] }], { level: 1, sources: [] }))!;
    const seg = join(dir, meta.ulid, 'chunks', readdirSync(join(dir, meta.ulid, 'chunks'))[0]);
    const bytes = readFileSync(seg);
    bytes[bytes.length - 6] ^= 0xff;
    writeFileSync(seg, bytes);
    const b = Block.open(join(dir, meta.ulid));
    const [s] = b.readSeries(b.allPostings());
    expect(() => b.readChunk(s.chunks[2])).toThrow(BlockCorruptError);
    b.release();
  });

  it("refuses a block in Sightline's former own format with a clear error", async () => {
    const dir = tmp();
    const id = '01JXXXXXXXXXXXXXXXXXXXXXXX';
    mkdirSync(join(dir, id, 'chunks'), { recursive: true });
    writeFileSync(join(dir, id, 'meta.json'), JSON.stringify({ ulid: id, minTime: 0, maxTime: 1, stats: { numSamples: 1, numSeries: 1, numChunks: 1 }, compaction: { level: 1, sources: [id] }, version: 1 }));
    writeFileSync(join(dir, id, 'index'), Buffer.from('SLIX\x01\x00\x00\x00', 'latin1'));
    expect(() => Block.open(join(dir, id))).toThrow(UnsupportedBlockFormatError);
    await expect(Tsdb.open({ dir, retentionMs: 0, retentionBytes: 0, minBlockDurationMs: 7200_000, compactionIntervalMs: 0 })).rejects.toThrow(
      /Sightline's own block format of before 2026-12 .*Prometheus's TSDB block format only/,
    );
  });
});

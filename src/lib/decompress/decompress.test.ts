import { gzipSync, deflateRawSync, deflateSync, brotliCompressSync } from 'node:zlib';
import { compressSync } from 'snappy';
import { describe, expect, it } from 'vitest';
import { CorruptBodyError, DecompressedTooLargeError, UnsupportedEncodingError, decompressBody } from './index.js';

describe('decompressBody', () => {
  const text = Buffer.from('hello '.repeat(1000));

  it('decodes every supported encoding within the limit', async () => {
    expect(await decompressBody(gzipSync(text), 'gzip', 1 << 20)).toEqual(text);
    expect(await decompressBody(deflateSync(text), 'deflate', 1 << 20)).toEqual(text);
    expect(await decompressBody(deflateRawSync(text), 'Deflate', 1 << 20)).toEqual(text);
    expect(await decompressBody(brotliCompressSync(text), 'br', 1 << 20)).toEqual(text);
    expect(await decompressBody(compressSync(text), 'snappy', 1 << 20)).toEqual(text);
    expect(await decompressBody(text, undefined, 1 << 20)).toBe(text);
  });

  it('stops a gzip bomb at the limit without inflating it whole', async () => {
    const bomb = gzipSync(Buffer.alloc(64 << 20, 0x20)); // 64 MiB of spaces in ~64 KB
    const before = process.memoryUsage().arrayBuffers;
    await expect(decompressBody(bomb, 'gzip', 1 << 20)).rejects.toBeInstanceOf(DecompressedTooLargeError);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 << 20);
  });

  it('refuses a snappy block declaring more than the limit before allocating', async () => {
    const big = compressSync(Buffer.alloc(2 << 20));
    await expect(decompressBody(big, 'snappy', 1 << 20)).rejects.toBeInstanceOf(DecompressedTooLargeError);
  });

  it('reports corrupt bodies and unknown encodings as such', async () => {
    await expect(decompressBody(Buffer.from('not gzip'), 'gzip', 1 << 20)).rejects.toBeInstanceOf(CorruptBodyError);
    await expect(decompressBody(Buffer.from([0xff, 0xff, 0xff]), 'snappy', 1 << 20)).rejects.toBeInstanceOf(CorruptBodyError);
    await expect(decompressBody(text, 'lzma', 1 << 20)).rejects.toBeInstanceOf(UnsupportedEncodingError);
    await expect(decompressBody(text, 'identity', 10)).rejects.toBeInstanceOf(DecompressedTooLargeError);
  });
});

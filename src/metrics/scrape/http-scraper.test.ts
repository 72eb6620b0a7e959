import { describe, expect, it } from 'vitest';
import { decodeChunks } from './http-scraper.js';

describe('decodeChunks', () => {
  it('decodes a body that arrived in chunks as UTF-8, characters split across chunks included', () => {
    const text = 'métrique_total{lieu="Zürich",emoji="😀"} 1\n'.repeat(500);
    const bytes = Buffer.from(text, 'utf8');
    for (const cut of [1, 7, 4096, 16_383, 65_536]) {
      const chunks: Buffer[] = [];
      for (let at = 0; at < bytes.length; at += cut) chunks.push(bytes.subarray(at, at + cut));
      expect(decodeChunks(chunks, bytes.length)).toBe(text);
    }
  });

  it('returns strings that later bodies do not change (the join buffer is reused)', () => {
    const a = decodeChunks([Buffer.from('a_total 1\n'), Buffer.from('b_total 2\n')], 20);
    const b = decodeChunks([Buffer.from('x_total 3\n'), Buffer.from('y_total 4\n')], 20);
    expect([a, b]).toEqual(['a_total 1\nb_total 2\n', 'x_total 3\ny_total 4\n']);
  });

  it('decodes a body larger than the join buffer and an empty one', () => {
    const big = Buffer.alloc(5 << 20, 'z');
    expect(decodeChunks([big.subarray(0, 3 << 20), big.subarray(3 << 20)], big.length)).toBe(big.toString());
    expect(decodeChunks([], 0)).toBe('');
  });
});

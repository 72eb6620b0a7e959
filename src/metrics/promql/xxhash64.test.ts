import { describe, expect, it } from 'vitest';
import { xxhash64 } from './xxhash64.js';

const enc = (s: string) => new TextEncoder().encode(s);

describe('xxhash64', () => {
  it('matches the reference values', () => {
    expect(xxhash64(enc('')).toString(16)).toBe('ef46db3751d8e999');
    expect(xxhash64(enc('a')).toString(16)).toBe('d24ec4f1a98c6e5b');
    expect(xxhash64(enc('abc')).toString(16)).toBe('44bc2cf5ad770999');
    expect(xxhash64(enc('Nobody inspects the spammish repetition')).toString(16)).toBe('fbcea83c8a378bf1');
  });
});

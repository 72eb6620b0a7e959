import { describe, expect, it } from 'vitest';
import { nestsDeeperThan } from './nesting-depth.js';

describe('nestsDeeperThan', () => {
  it('counts brackets of every kind', () => {
    expect(nestsDeeperThan('({[]})', 3)).toBe(false);
    expect(nestsDeeperThan('({[]})', 2)).toBe(true);
    expect(nestsDeeperThan('{'.repeat(1_000_000), 256)).toBe(true);
  });
  it('ignores brackets inside string literals, with escapes', () => {
    expect(nestsDeeperThan('{a="((((\\"(((("}', 1)).toBe(false);
    expect(nestsDeeperThan("{a=`(((\\`}", 1)).toBe(false);
    expect(nestsDeeperThan("x{a='(((('}", 1)).toBe(false);
  });
  it('unbalanced closers do not go negative', () => {
    expect(nestsDeeperThan(')))((', 2)).toBe(false);
    expect(nestsDeeperThan(')))(((', 2)).toBe(true);
  });
});

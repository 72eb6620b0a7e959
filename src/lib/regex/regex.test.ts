import { describe, expect, it } from 'vitest';
import { RegexSyntaxError, compileAnchored, compileUnanchored, expandTemplate, replaceAll } from './index.js';

describe('RE2 regexes', () => {
  it('anchors label-matcher patterns and lets . match newlines', () => {
    const r = compileAnchored('foo.*');
    expect(r.test('foobar')).toBe(true);
    expect(r.test('xfoobar')).toBe(false);
    expect(compileAnchored('a.c').test('a\nc')).toBe(true);
    expect(compileAnchored('a|b').test('ab')).toBe(false);
    expect(compileAnchored('(?i)abc').test('ABC')).toBe(true);
  });

  it('keeps the fast paths equivalent to the automaton', () => {
    const inputs = ['', 'a', 'abc', 'abcdef', 'xabc', 'ab\nc', 'foo', 'bar', 'foobar', 'baz'];
    for (const p of ['abc', 'abc.*', '.*abc.*', '.*', '.+', 'foo|bar|baz', 'a\\.b']) {
      const fast = compileAnchored(p);
      const slow = compileAnchored(`(?:${p})`);
      for (const s of inputs) expect(fast.test(s), `${p} on ${JSON.stringify(s)}`).toBe(slow.test(s));
    }
  });

  it('refuses what RE2 refuses, with Go\'s message', () => {
    expect(() => compileAnchored('(a)\\1')).toThrow(RegexSyntaxError);
    expect(() => compileAnchored('(?=x)y')).toThrow('error parsing regexp: invalid or unsupported Perl syntax: `(?=`');
    expect(() => compileAnchored('(a')).toThrow('error parsing regexp: missing closing ): `(a`');
    expect(() => compileUnanchored('a**')).toThrow('invalid nested repetition operator: `**`');
  });

  it('runs in linear time on patterns that make backtracking engines explode', () => {
    const t0 = performance.now();
    expect(compileAnchored('(a|aa)+c').test('a'.repeat(5000))).toBe(false);
    expect(compileAnchored('.*.*.*.*.*.*.*.*.*x').test('y'.repeat(2000))).toBe(false);
    expect(compileUnanchored('(a+)+b').test('a'.repeat(5000))).toBe(false);
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  it('captures groups by number and name and expands Go templates', () => {
    const m = compileAnchored('(?P<host>[^:]+):(\\d+)').exec('10.0.0.1:80')!;
    expect(m[1]).toBe('10.0.0.1');
    expect(m.groups?.host).toBe('10.0.0.1');
    expect(expandTemplate('${host}-$2-$$-$9', m)).toBe('10.0.0.1-80-$-');
    expect(compileAnchored('(?P<host>[^:]+):(\\d+)').groupNames).toEqual(['host', '']);
  });

  it('replaces every match like Go ReplaceAllString and ReplaceAllLiteralString', () => {
    const re = compileUnanchored('(\\w+)@(\\w+)');
    expect(replaceAll(re, 'a@b c@d', '$2.$1')).toBe('b.a d.c');
    expect(replaceAll(re, 'a@b c@d', '$2', { literal: true })).toBe('$2 $2');
  });
});

describe('fast-path patterns build the automaton only when asked for matches', () => {
  it('matches literal alternatives by set and still gives exec/matchAll results', () => {
    const alts = Array.from({ length: 10_000 }, (_, i) => `x${i}`);
    const r = compileAnchored(alts.join('|'));
    expect(r.test('x9999')).toBe(true);
    expect(r.test('x10000')).toBe(false);
    expect(r.groupNames).toEqual([]);
    expect(compileAnchored('foo|bar').exec('bar')?.[0]).toBe('bar');
    expect([...compileAnchored('ab.*').matchAll('abc')].map((m) => m[0])).toEqual(['abc']);
  });
});

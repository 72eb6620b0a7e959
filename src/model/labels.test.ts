import { describe, expect, it } from 'vitest';
import { Labels } from './labels.js';
import { Matcher } from './matcher.js';
import { STALE_NAN, isStaleNaN } from './sample.js';
import { expandTemplate, compileAnchored } from '../lib/regex/index.js';

describe('Labels', () => {
  it('sorts by name, drops empty values and compares by content', () => {
    const a = Labels.fromObject({ job: 'api', __name__: 'up', instance: '', zone: 'b' });
    expect(a.names()).toEqual(['__name__', 'job', 'zone']);
    expect(a.get('instance')).toBe('');
    expect(a.toString()).toBe('up{job="api", zone="b"}');
    const b = Labels.fromPairs([['zone', 'b'], ['job', 'api'], ['__name__', 'up']]);
    expect(a.equals(b)).toBe(true);
    expect(a.key()).toBe(b.key());
    expect(Labels.compare(a, b)).toBe(0);
    expect(Labels.compare(a, a.without('zone'))).toBeGreaterThan(0);
  });

  it('builder applies sets and deletes', () => {
    const a = Labels.fromObject({ a: '1', b: '2' });
    const c = a.builder().set('c', '3').del('a').set('b', '').labels();
    expect(c.toObject()).toEqual({ c: '3' });
    expect(a.withOnly('b').toObject()).toEqual({ b: '2' });
  });
});

describe('Matcher', () => {
  it('anchors regexes and lets . match newlines, as Prometheus does', () => {
    expect(new Matcher('=~', 'x', 'fo+').matches('foo')).toBe(true);
    expect(new Matcher('=~', 'x', 'fo+').matches('afoo')).toBe(false);
    expect(new Matcher('=~', 'x', 'a.b').matches('a\nb')).toBe(true);
    expect(new Matcher('!~', 'x', '(?i)FOO').matches('foo')).toBe(false);
    expect(new Matcher('!=', 'x', '').matchesEmpty()).toBe(false);
    expect(new Matcher('=~', 'x', '.*').matchesEmpty()).toBe(true);
  });

  it('refuses invalid regexes with the pattern in the message', () => {
    expect(() => new Matcher('=~', 'x', '(')).toThrow(/error parsing regexp/);
  });

  it('expands Go replacement templates', () => {
    const m = compileAnchored('([^:]+)(?::\\d+)?;(\\d+)').exec('10.0.0.1:80;9102')!;
    expect(expandTemplate('$1:$2', m)).toBe('10.0.0.1:9102');
    expect(expandTemplate('${1}x$$', m)).toBe('10.0.0.1x$');
    expect(expandTemplate('$9', m)).toBe('');
  });
});

describe('staleness marker', () => {
  it('survives typed arrays and plain arrays, and differs from an ordinary NaN', () => {
    expect(isStaleNaN(STALE_NAN)).toBe(true);
    expect(isStaleNaN(NaN)).toBe(false);
    expect(isStaleNaN(1)).toBe(false);
    const viaArray = [STALE_NAN, 1.5][0];
    expect(isStaleNaN(viaArray)).toBe(true);
    const f = new Float64Array([STALE_NAN]);
    expect(isStaleNaN(f[0])).toBe(true);
  });
});

import { describe, expect, it } from 'vitest';
import { Labels } from '../../model/index.js';
import { relabelConfigSchema } from '../promconfig/index.js';
import { compileRelabels, relabel } from './index.js';

function run(input: Record<string, string>, rules: unknown[]): Record<string, string> | undefined {
  const compiled = compileRelabels(rules.map((r) => relabelConfigSchema.parse(r)));
  return relabel(Labels.fromObject(input), compiled)?.toObject();
}

describe('relabel actions', () => {
  const base = { a: 'foo', b: 'bar', c: 'baz' };

  it('replace: defaults, captures, named groups, no match, empty result deletes, templated target', () => {
    expect(run(base, [{ source_labels: ['a'], regex: 'f(.*)', target_label: 'd', replacement: 'ch${1}-ch${1}' }])).toEqual({ ...base, d: 'choo-choo' });
    expect(run(base, [{ source_labels: ['a', 'b'], target_label: 'd' }])).toEqual({ ...base, d: 'foo;bar' });
    expect(run(base, [{ source_labels: ['a', 'b'], separator: '', regex: '(?P<x>f\\w+)bar', target_label: 'd', replacement: '$x' }])).toEqual({ ...base, d: 'foo' });
    expect(run(base, [{ source_labels: ['a'], regex: 'nomatch', target_label: 'd', replacement: 'x' }])).toEqual(base);
    expect(run(base, [{ source_labels: ['a'], regex: 'o', target_label: 'd' }])).toEqual(base); // anchored: "o" does not match "foo"
    expect(run(base, [{ source_labels: ['a'], regex: '(.*)', target_label: 'b', replacement: '' }])).toEqual({ a: 'foo', c: 'baz' });
    expect(run(base, [{ source_labels: ['a'], regex: 'f(o+)', target_label: 'x_$1', replacement: 'y' }])).toEqual({ ...base, x_oo: 'y' });
    expect(run(base, [{ source_labels: ['missing'], target_label: 'new', replacement: 'static' }])).toEqual({ ...base, new: 'static' });
    expect(run({ a: 'foo\nbar' }, [{ source_labels: ['a'], regex: 'foo.bar', target_label: 'b', replacement: 'nl' }])).toEqual({ a: 'foo\nbar', b: 'nl' });
  });

  it('keep and drop match the joined source values, fully anchored', () => {
    expect(run(base, [{ source_labels: ['a'], regex: 'f.*', action: 'keep' }])).toEqual(base);
    expect(run(base, [{ source_labels: ['a'], regex: 'f', action: 'keep' }])).toBeUndefined();
    expect(run(base, [{ source_labels: ['a', 'b'], regex: 'foo;bar', action: 'drop' }])).toBeUndefined();
    expect(run(base, [{ source_labels: ['a'], regex: 'bar', action: 'drop' }])).toEqual(base);
    expect(run({}, [{ source_labels: ['x'], regex: 'true', action: 'keep' }])).toBeUndefined();
    expect(run(base, [{ source_labels: ['a'], regex: '(?i)FOO', action: 'KEEP' }])).toEqual(base);
  });

  it('keepequal and dropequal compare with the target label', () => {
    expect(run({ a: '1', b: '1' }, [{ source_labels: ['a'], target_label: 'b', action: 'keepequal' }])).toEqual({ a: '1', b: '1' });
    expect(run({ a: '1', b: '2' }, [{ source_labels: ['a'], target_label: 'b', action: 'keepequal' }])).toBeUndefined();
    expect(run({ a: '1', b: '1' }, [{ source_labels: ['a'], target_label: 'b', action: 'dropequal' }])).toBeUndefined();
    expect(run({ a: '1', b: '2' }, [{ source_labels: ['a'], target_label: 'b', action: 'dropequal' }])).toEqual({ a: '1', b: '2' });
  });

  it('hashmod is Prometheus md5-based modulus', () => {
    expect(run(base, [{ source_labels: ['c'], target_label: 'd', modulus: 1000, action: 'hashmod' }])).toEqual({ ...base, d: '976' });
  });

  it('labelmap, labeldrop, labelkeep act on names', () => {
    expect(run({ a: 'foo', b1: 'bar', b2: 'baz' }, [{ regex: '(b.*)', replacement: 'bar_${1}', action: 'labelmap' }])).toEqual({ a: 'foo', b1: 'bar', b2: 'baz', bar_b1: 'bar', bar_b2: 'baz' });
    expect(run({ __meta_kubernetes_pod_label_app: 'x', a: '1' }, [{ regex: '__meta_kubernetes_pod_label_(.+)', action: 'labelmap' }])).toEqual({ __meta_kubernetes_pod_label_app: 'x', a: '1', app: 'x' });
    expect(run(base, [{ regex: '(b|c)', action: 'labeldrop' }])).toEqual({ a: 'foo' });
    expect(run(base, [{ regex: '(b|c)', action: 'labelkeep' }])).toEqual({ b: 'bar', c: 'baz' });
  });

  it('lowercase and uppercase', () => {
    expect(run({ a: 'FoO' }, [{ source_labels: ['a'], target_label: 'l', action: 'lowercase' }, { source_labels: ['a'], target_label: 'u', action: 'uppercase' }])).toEqual({ a: 'FoO', l: 'foo', u: 'FOO' });
  });

  it('rules apply in order', () => {
    expect(
      run(base, [
        { source_labels: ['a'], target_label: 'x', replacement: 'copied-$1' },
        { source_labels: ['x'], regex: 'copied-foo', action: 'keep' },
        { regex: 'x', action: 'labeldrop' },
      ]),
    ).toEqual(base);
  });

  it('validates configurations as Prometheus does', () => {
    const err = (r: unknown) => relabelConfigSchema.safeParse(r).error?.issues[0].message;
    expect(err({ action: 'labeldrop', regex: 'x', source_labels: ['a'] })).toContain("labeldrop action requires only 'regex', and no other fields");
    expect(err({ action: 'lowercase', source_labels: ['a'] })).toContain("relabel configuration for lowercase action requires 'target_label' value");
    expect(err({ action: 'keepequal', source_labels: ['a'], target_label: 'b', regex: 'x' })).toContain('keepequal action requires only');
    expect(err({ action: 'replace', target_label: '1bad' })).toContain(`"1bad" is invalid 'target_label' for replace action`);
    expect(relabelConfigSchema.parse({ regex: true, replacement: 8080, target_label: 'x' })).toMatchObject({ regex: 'true', replacement: '8080', separator: ';', action: 'replace' });
  });
});

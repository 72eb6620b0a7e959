import { describe, expect, it } from 'vitest';
import { BUILTIN_FUNCS, FIELDS, TemplateSet, execute, executeAsync, parseTemplate } from './index.js';

const names = (f: Record<string, unknown>) => new Set([...Object.keys(BUILTIN_FUNCS), ...Object.keys(f)]);

describe('Go text/template, one engine', () => {
  it('calls exported methods (with the command arguments) and ranges over maps in key order', () => {
    class Labels extends Map<string, string> {
      Without(keys: string[]): Labels {
        return new Labels([...this].filter(([k]) => !keys.includes(k)));
      }
    }
    const l = new Labels([['b', '2'], ['a', '1'], ['c', '3']]);
    const t = parseTemplate('t', '{{ range $k, $v := (.L.Without .Drop) }}{{ $k }}={{ $v }};{{ end }}|{{ .L.missing }}|{{ .L.a }}', new Set());
    expect(execute(t, { L: l, Drop: ['c'] }, {})).toBe('a=1;b=2;||1');
  });

  it('does not call unexported members: a lower-case name is a field or a map key', () => {
    const t = parseTemplate('t', '{{ .M.keys }}', new Set());
    expect(execute(t, { M: new Map([['keys', 'k']]) }, {})).toBe('k');
  });

  it('reads fields from a FieldSource and prints Dates as Go times', () => {
    const src = { [FIELDS]: (n: string) => (n === 'level' ? 'error' : '') };
    const t = parseTemplate('t', '{{ .level }}/{{ .other }}', new Set());
    expect(execute(t, src, {})).toBe('error/');
    expect(execute(parseTemplate('t', '{{ . }}', new Set()), new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 120)), {})).toBe('2024-01-02 03:04:05.12 +0000 UTC');
  });

  it('awaits async functions in executeAsync and refuses them in execute', async () => {
    const funcs = { slow: async (x: unknown) => `<${String(x)}>` };
    const t = parseTemplate('t', '{{ "a" | slow | printf "%s!" }}', names(funcs));
    expect(await executeAsync(t, null, funcs)).toBe('<a>!');
    expect(() => execute(t, null, funcs)).toThrow(/promise/);
  });

  it('shares definitions across the texts of a set; a self-calling template stops at the depth limit', () => {
    const set = new TemplateSet({});
    set.parse('lib', '{{ define "greet" }}hello {{ . }}{{ end }}');
    set.parse('main', '{{ template "greet" .Name }}');
    expect(set.execute('main', { Name: 'world' })).toBe('hello world');
    set.parse('loop', '{{ define "again" }}{{ template "again" . }}{{ end }}{{ template "again" . }}');
    expect(() => set.execute('loop', null)).toThrow(/maximum template depth/);
  });

  it('reports Go string escapes as syntax errors at parse time', () => {
    expect(() => parseTemplate('t', '{{ "\\q" }}', new Set())).toThrow(/template: t:1: invalid syntax/);
  });
});

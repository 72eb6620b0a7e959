import { describe, expect, it } from 'vitest';
import { Template, TemplateError } from './template.js';

const run = (src: string, labels: Record<string, string>, line = 'the line') => new Template(src).execute({ get: (n) => labels[n], line, ts: 1_700_000_000_000_000_000n });

describe('line_format templates', () => {
  it.each([
    ['{{.a}}-{{.b}}', { a: '1', b: '2' }, '1-2'],
    ['{{ .a | ToUpper }}', { a: 'x' }, 'X'],
    ['{{ .a | upper | printf "%5s" }}', { a: 'x' }, '    X'],
    ['{{ __line__ }}!', {}, 'the line!'],
    ['{{ __timestamp__ }}', {}, '2023-11-14T22:13:20.000Z'],
    ['{{ if .a }}yes{{ else }}no{{ end }}', { a: '' }, 'no'],
    ['{{ if eq .a "1" }}one{{ else if eq .a "2" }}two{{ else }}many{{ end }}', { a: '2' }, 'two'],
    ['{{- .a -}}  x', { a: 'v' }, 'vx'],
    ['{{ trimPrefix "/api" .p }}', { p: '/api/items' }, '/items'],
    ['{{ regexReplaceAll "(\\\\d+)" .a "<$1>" }}', { a: 'id 42' }, 'id <42>'],
    ['{{ .n | int | add 1 }}', { n: '41' }, '42'],
    ['{{ divf .a .b }}', { a: '1', b: '4' }, '0.25'],
    ['{{ default "none" .missing }}', {}, 'none'],
    ['{{ .a | contains "ell" }}', { a: 'hello' }, 'true'],
  ])('%s', (src, labels, want) => {
    expect(run(src, labels as Record<string, string>)).toBe(want);
  });

  it('reports unknown functions', () => {
    expect(() => run('{{ nosuch .a }}', {})).toThrow(TemplateError);
  });
});

import { describe, expect, it } from 'vitest';
import { Template, TemplateError } from './template.js';

const run = (src: string, labels: Record<string, string>, line = 'the line') => new Template(src).execute({ get: (n) => labels[n], line, ts: 1_700_000_000_000_000_000n });

describe('line_format templates', () => {
  it.each([
    ['{{.a}}-{{.b}}', { a: '1', b: '2' }, '1-2'],
    ['{{ .a | ToUpper }}', { a: 'x' }, 'X'],
    ['{{ .a | upper | printf "%5s" }}', { a: 'x' }, '    X'],
    ['{{ __line__ }}!', {}, 'the line!'],
    // Loki's __timestamp__ is a time.Time, printed as Go prints one.
    ['{{ __timestamp__ }}', {}, '2023-11-14 22:13:20 +0000 UTC'],
    ['{{ __timestamp__ | date "2006-01-02T15:04:05Z07:00" }}', {}, '2023-11-14T22:13:20Z'],
    ['{{ __timestamp__ | unixEpochMillis }}', {}, '1700000000000'],
    ['{{ toDate "2006-01-02" .d | unixEpoch }}', { d: '2021-11-02' }, '1635811200'],
    ['{{ unixToTime .t }}', { t: '1700000000123' }, '2023-11-14 22:13:20.123 +0000 UTC'],
    ['{{ Replace .a "o" "0" 1 }}|{{ Trim .b "-" }}|{{ TrimLeft .b "-" }}', { a: 'foo', b: '--x--' }, 'f0o|x|x--'],
    ['{{ .a | count "o" }} {{ urlencode .u }} {{ urldecode "a+b%21" }}', { a: 'foo', u: 'a b&c' }, '2 a+b%26c a b!'],
    ['{{ b64enc .a }} {{ b64dec "aGk=" }}', { a: 'hi' }, 'aGk= hi'],
    ['{{ bytes .s }} {{ duration .d }}', { s: '2KB', d: '1m30s' }, '2000 90'],
    ['[{{ alignLeft 5 .a }}][{{ alignRight 5 .a }}][{{ alignLeft 2 .a }}]', { a: 'abc' }, '[abc  ][  abc][ab]'],
    ['{{ trunc 2 .a }} {{ substr 1 3 .a }} {{ max 1 5 3 }} {{ mulf 1.5 2 }} {{ round 2.567 2 }}', { a: 'hello' }, 'he el 5 3 2.57'],
    ['{{ with fromJson .j }}{{ .x }}{{ end }}', { j: '{"x":"y"}' }, 'y'],
    ['{{ $p := slice .a 0 2 }}{{ if and (eq $p "he") (.a | hasPrefix "he") }}yes{{ end }}', { a: 'hello' }, 'yes'],
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

  it('reports unknown functions when parsing, as Go does', () => {
    expect(() => new Template('{{ nosuch .a }}')).toThrow(TemplateError);
    expect(() => new Template('{{ nosuch .a }}')).toThrow('function "nosuch" not defined');
  });

  it('reports execution errors as TemplateError', () => {
    expect(() => run('{{ div 1 0 }}', {})).toThrow(TemplateError);
  });
});

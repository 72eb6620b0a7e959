import { describe, expect, it } from 'vitest';
import { Labels } from '../../model/index.js';
import { ALERT_TEMPLATE_DEFS, alertTemplateData, expandPrometheusTemplate } from './expander.js';
import { formatFloat, sprintf } from '../../lib/go-template/index.js';

const data = alertTemplateData(Labels.fromObject({ pod: 'web-1', instance: 'host.example.com:9100' }), Labels.fromObject({ cluster: 'c1' }), 'http://x:9090', 1234567.891);
const expand = (t: string, q?: (e: string) => { labels: Labels; v: number }[]) =>
  expandPrometheusTemplate('__alert_X', ALERT_TEMPLATE_DEFS + t, data, { time: 0, externalURL: 'http://x:9090', query: q ? async (e) => q(e) : undefined });

describe("Prometheus's template language", () => {
  it.each([
    ['Pod {{ $labels.pod }} {{ $value }}', 'Pod web-1 1.234567891e+06'],
    ['{{ $value | humanize }}', '1.235M'],
    ['{{ humanize1024 $value }}', '1.177Mi'],
    ['{{ humanizeDuration 3725.5 }}|{{ humanizeDuration 0.25 }}|{{ humanizeDuration 90061 }}', '1h 2m 5s|250ms|1d 1h 1m 1s'],
    ['{{ humanizePercentage 0.12345 }}', '12.35%'],
    ['{{ humanize 0.000123 }} {{ humanize 1500 }} {{ humanize 0 }}', '123u 1.5k 0'],
    ['{{ printf "%.2f" $value }}|{{ printf "%d-%s-%5.1f|%-4s|%q" 3 "x" 2.25 "ab" "q" }}', '1234567.89|3-x-  2.2|ab  |"q"'],
    ['{{ if gt $value 100.0 }}big{{ else if lt $value 0.0 }}neg{{ else }}small{{ end }}', 'big'],
    ['{{ range $k, $v := $labels }}{{$k}}={{$v}},{{ end }}', 'instance=host.example.com:9100,pod=web-1,'],
    ['{{ $labels.instance | stripPort }} {{ title "hello world" }} {{ toUpper "abc" }} {{ toLower "ABC" }}', 'host.example.com Hello World ABC abc'],
    ['{{ reReplaceAll "(.*):(.*)" "$2" $labels.instance }}', '9100'],
    ['{{ $externalLabels.cluster }} {{ $externalURL }} {{ externalURL }}', 'c1 http://x:9090 http://x:9090'],
    ['{{- "a" -}}  {{ "b" }}', 'ab'],
    ['{{ 1e6 }} {{ 100000.0 }} {{ 0.00001 }} {{ 1000000 }} {{ 0.1 }}', '1e+06 100000 1e-05 1000000 0.1'],
    ['{{ .Labels.nope }}|{{ $labels.missing }}|{{ (args 1).arg5 }}', '||<no value>'],
    ['{{ with $labels.pod }}{{ . }}{{ end }}{{/* comment */}}', 'web-1'],
    ['{{ match "^web" $labels.pod }} {{ (args 1 "a").arg1 }} {{ len $labels }}', 'true a 2'],
    ['{{ humanizeTimestamp 1700000000 }}', '2023-11-14 22:13:20 +0000 UTC'],
    ['{{ $x := 1 }}{{ $x = 2 }}{{ $x }} {{ and 1 0 }} {{ or 0 "y" }} {{ not true }} {{ eq "a" "b" "a" }}', '2 0 y false true'],
    ['{{ graphLink "up == 0" }} {{ tableLink "rate(x[5m])" }}', '/graph?g0.expr=up+%3D%3D+0&g0.tab=0 /graph?g0.expr=rate%28x%5B5m%5D%29&g0.tab=1'],
  ])('%s', async (t, want) => {
    expect(await expand(t)).toBe(want);
  });

  it('query, first, value, label, sortByLabel over the rule engine', async () => {
    const q = () => [
      { labels: Labels.fromObject({ instance: 'b' }), v: 2 },
      { labels: Labels.fromObject({ instance: 'a' }), v: 1.5 },
    ];
    expect(await expand('{{ with query "up" }}{{ . | first | value }} {{ . | first | label "instance" }}{{ end }}', q)).toBe('2 b');
    expect(await expand('{{ range query "up" | sortByLabel "instance" }}{{ .Labels.instance }}={{ .Value }};{{ end }}', q)).toBe('a=1.5;b=2;');
    await expect(expand('{{ query "up" | first }}', () => [])).rejects.toThrow(/first\(\) called on vector with no elements/);
  });

  it.each([
    ['{{ $labels.foo', 'template: __alert_X:1: unclosed action'],
    ['{{ nosuchfn }}', 'template: __alert_X:1: function "nosuchfn" not defined'],
    ['{{ if 1 }}', 'template: __alert_X:1: unexpected EOF'],
    ['{{ end }}', 'template: __alert_X:1: unexpected {{end}}'],
    ['{{ $undefined }}', 'template: __alert_X:1: undefined variable "$undefined"'],
    ['a\n{{ .X', 'template: __alert_X:2: unclosed action'],
  ])('parse error %s', async (t, msg) => {
    await expect(expand(t)).rejects.toThrow(`error parsing template __alert_X: ${msg}`);
  });

  it("formats floats as Go's strconv does", () => {
    expect(formatFloat(1234.5, 'g', 4)).toBe('1234');
    expect(formatFloat(0.125, 'f', 2)).toBe('0.12');
    expect(formatFloat(100000, 'g', 4)).toBe('1e+05');
    expect(formatFloat(1.5, 'g', 4)).toBe('1.5');
    expect(formatFloat(-0.0001234, 'e', 2)).toBe('-1.23e-04');
    expect(formatFloat(NaN, 'g', -1)).toBe('NaN');
    expect(formatFloat(Infinity, 'g', 4)).toBe('+Inf');
    expect(sprintf('%v %v %s', [1.5, 3n, 'x'])).toBe('1.5 3 x');
    expect(sprintf('%d', [])).toBe('%!d(MISSING)');
  });
});

import { describe, expect, it } from 'vitest';
import { encodeFamilies, familiesAt } from '../../../test/helpers/native-histogram-exporter.js';
import { DEFAULT_PROTO_FIRST_SCRAPE_PROTOCOLS } from '../promconfig/index.js';
import { Entry, ProtobufParseError, ProtobufParser, acceptHeader, formatOpenMetricsFloat, scrapeFormat, type ProtobufParserOptions } from './index.js';

const str = (l: { forEach(f: (n: string, v: string) => void): void }) => {
  const parts: string[] = [];
  l.forEach((n, v) => parts.push(`${n}="${v}"`));
  return `{${parts.join(', ')}}`;
};

/** Every entry as text: series `labels value @ts`, histograms with their fields. */
function entries(body: Uint8Array, opts?: ProtobufParserOptions): string[] {
  const p = new ProtobufParser(body, opts);
  const out: string[] = [];
  for (let e = p.next(); e !== Entry.EOF; e = p.next()) {
    if (e === Entry.Help) out.push(`HELP ${p.family} ${p.help}`);
    else if (e === Entry.Type) out.push(`TYPE ${p.family} ${p.metricType}`);
    else if (e === Entry.Unit) out.push(`UNIT ${p.family} ${p.unit}`);
    else if (e === Entry.Histogram) {
      const h = p.histogram!;
      out.push(`${str(p.labels())} H schema=${h.schema} count=${h.count} sum=${h.sum} zero=${h.zeroCount}@${h.zeroThreshold} pos=${h.pOff}:${h.pos.join(',')} neg=${h.nOff}:${h.neg.join(',')} @${p.timestamp}`);
    } else {
      const ex = p.exemplars().map((x) => ` # ${str(x.labels)} ${x.value} ${x.ts}`).join('');
      out.push(`${str(p.labels())} ${p.value} @${p.timestamp}${ex}`);
    }
  }
  return out;
}

describe('protobuf exposition parser', () => {
  const body = encodeFamilies(familiesAt(5), 1_000_000);

  it('reads counters, summaries, classic and native histograms (encoded by protobufjs)', () => {
    const got = entries(body);
    expect(got).toContain('HELP nh_classic_seconds classic histogram');
    expect(got).toContain('TYPE nh_classic_seconds histogram');
    expect(got).toContain('UNIT nh_classic_seconds seconds');
    expect(got).toContain('{__name__="nh_classic_seconds_count", path="/c"} 54 @1000000');
    expect(got).toContain('{__name__="nh_classic_seconds_bucket", le="0.1", path="/c"} 11 @1000000');
    // formatOpenMetricsFloat: `1.0`, `1e+06`; the +Inf bucket is added from the count.
    expect(got).toContain('{__name__="nh_classic_seconds_bucket", le="1.0", path="/c"} 27 @1000000 # {trace_id="t5"} 0.5 1700000005005');
    expect(got).toContain('{__name__="nh_classic_seconds_bucket", le="1e+06", path="/c"} 48 @1000000');
    expect(got).toContain('{__name__="nh_classic_seconds_bucket", le="+Inf", path="/c"} 54 @1000000');
    expect(got).toContain('{__name__="nh_events_total"} 15 @1000000 # {trace_id="abc"} 1 NaN');
    expect(got).toContain('TYPE nh_latency summary');
    expect(got).toContain('{__name__="nh_latency", quantile="0.99"} 1.5 @1000000');
    expect(got).toContain('{__name__="nh_latency_count"} 6 @1000000');
    // Integer native histogram: deltas summed, spans laid out densely (indexes -1, 0, 3, 5 → from -1).
    expect(got).toContain('{__name__="nh_request_duration_seconds", path="/a"} H schema=1 count=43 sum=65.75 zero=7@2.938735877055719e-39 pos=-1:8,15,0,0,6,0,2 neg=0:5 @1000000');
    expect(got).toContain('{__name__="nh_float_payload_bytes"} H schema=0 count=12.125 sum=16.5 zero=0.5@0.001 pos=0:2.75,8.75,0.125 neg=0: @1000000');
    // Without scrape_classic_histograms the native one's classic buckets are not series.
    expect(got.some((l) => l.includes('nh_request_duration_seconds_bucket'))).toBe(false);
  });

  it('also yields the classic series with classicHistograms, only classic with nativeHistograms off', () => {
    const both = entries(body, { classicHistograms: true });
    expect(both).toContain('{__name__="nh_request_duration_seconds_bucket", le="4.0", path="/a"} 41 @1000000');
    expect(both).toContain('{__name__="nh_request_duration_seconds_bucket", le="+Inf", path="/a"} 43 @1000000');
    expect(both.some((l) => l.startsWith('{__name__="nh_request_duration_seconds", path="/a"} H'))).toBe(true);
    const classic = entries(body, { nativeHistograms: false });
    expect(classic.some((l) => l.includes(' H '))).toBe(false);
    expect(classic).toContain('{__name__="nh_float_payload_bytes_count"} 12.125 @1000000');
  });

  it('refuses malformed and oversized input with a ProtobufParseError', () => {
    expect(() => entries(body.subarray(0, body.length - 3))).toThrow(ProtobufParseError);
    // A span of 10^9 buckets with one delta: refused before allocating.
    const bad = encodeFamilies([{ name: 'x', type: 4, metric: [{ histogram: { schema: 0, zero_threshold: 1e-9, positive_span: [{ offset: 0, length: 1e9 }], positive_delta: [1] } }] }]);
    expect(() => entries(bad)).toThrow('spans need 1000000000 buckets, have 1 buckets');
    const far = encodeFamilies([{ name: 'x', type: 4, metric: [{ histogram: { schema: 0, zero_threshold: 1e-9, positive_span: [{ offset: 1e9, length: 1 }], positive_delta: [1] } }] }]);
    expect(() => entries(far)).toThrow('out of range');
    const schema = encodeFamilies([{ name: 'x', type: 4, metric: [{ histogram: { schema: 9, zero_threshold: 1e-9 } }] }]);
    expect(() => entries(schema)).toThrow('invalid native histogram schema 9');
    const dup = encodeFamilies([{ name: 'x', type: 1, metric: [{ label: [{ name: 'a', value: '1' }, { name: 'a', value: '2' }], gauge: { value: 1 } }] }]);
    expect(() => entries(dup)).toThrow('not unique');
  });

  it('formats le and quantile as Prometheus does', () => {
    expect([0.1, 1, 2.5, 1e6, 123456, 1e-5, 0.0001].map(formatOpenMetricsFloat)).toEqual(['0.1', '1.0', '2.5', '1e+06', '123456.0', '1e-05', '0.0001']);
  });

  it('negotiates protobuf first by default and recognises its Content-Type', () => {
    expect(acceptHeader(DEFAULT_PROTO_FIRST_SCRAPE_PROTOCOLS)).toBe(
      'application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.6,application/openmetrics-text;version=1.0.0;escaping=underscores;q=0.5,application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=1.0.0;escaping=underscores;q=0.3,text/plain;version=0.0.4;q=0.2,*/*;q=0.1',
    );
    expect(scrapeFormat('application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited')).toBe('protobuf');
    expect(scrapeFormat('text/html', 'PrometheusProto')).toBe('protobuf');
  });
});

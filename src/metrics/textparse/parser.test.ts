import { describe, expect, it } from 'vitest';
import { CommentMemo, Entry, ExpositionParser, acceptHeader, hashSeriesKey, isOpenMetricsContentType } from './index.js';
import { DEFAULT_SCRAPE_PROTOCOLS } from '../promconfig/index.js';

interface Row {
  kind: string;
  key?: string;
  labels?: Record<string, string>;
  v?: number;
  t?: number;
  ex?: { labels: Record<string, string>; value: number; ts: number };
  meta?: string;
}

function parseAll(text: string, om: boolean): Row[] {
  const p = new ExpositionParser(text, om);
  const out: Row[] = [];
  for (let e = p.next(); e !== Entry.EOF; e = p.next()) {
    if (e === Entry.Series) {
      const ex = p.exemplar();
      out.push({ kind: 'series', key: p.seriesKey, labels: p.labels().toObject(), v: p.value, t: p.timestamp, ...(ex ? { ex: { labels: ex.labels.toObject(), value: ex.value, ts: ex.ts } } : {}) });
    } else if (e === Entry.Type) out.push({ kind: 'type', meta: `${p.family} ${p.metricType}` });
    else if (e === Entry.Help) out.push({ kind: 'help', meta: `${p.family} ${p.help}` });
    else if (e === Entry.Unit) out.push({ kind: 'unit', meta: `${p.family} ${p.unit}` });
    else out.push({ kind: 'comment', meta: p.comment });
  }
  return out;
}

describe('text format 0.0.4', () => {
  it('parses metadata, labels with escapes, special values, timestamps and comments', () => {
    const text = [
      '# HELP http_requests_total The total number\\nof requests \\\\ "quoted".',
      '# TYPE http_requests_total counter',
      'http_requests_total{method="post",code="200"} 1027 1395066363000',
      'http_requests_total{ method = "post" , code="400", } 3 1395066363000',
      '',
      '# a free comment',
      'escaped{path="C:\\\\dir\\\\",msg="say \\"hi\\"\\n"} +Inf',
      'nan_metric NaN',
      'neg -Inf',
      'sci{a=""} 1.5e-3',
      '  indented 7',
      'metric_without_timestamp_and_labels 12.47',
      '# TYPE old untyped',
    ].join('\n');
    const rows = parseAll(text, false);
    expect(rows[0]).toEqual({ kind: 'help', meta: 'http_requests_total The total number\nof requests \\ "quoted".' });
    expect(rows[1]).toEqual({ kind: 'type', meta: 'http_requests_total counter' });
    expect(rows[2]).toMatchObject({ key: 'http_requests_total{method="post",code="200"}', labels: { __name__: 'http_requests_total', method: 'post', code: '200' }, v: 1027, t: 1395066363000 });
    expect(rows[3]).toMatchObject({ labels: { __name__: 'http_requests_total', method: 'post', code: '400' }, v: 3 });
    expect(rows[4]).toEqual({ kind: 'comment', meta: '# a free comment' });
    expect(rows[5]).toMatchObject({ labels: { __name__: 'escaped', path: 'C:\\dir\\', msg: 'say "hi"\n' }, v: Infinity });
    expect(Number.isNaN(rows[6].v)).toBe(true);
    expect(Number.isNaN(rows[6].t)).toBe(true);
    expect(rows[7].v).toBe(-Infinity);
    expect(rows[8]).toMatchObject({ labels: { __name__: 'sci' }, v: 0.0015 });
    expect(rows[9]).toMatchObject({ labels: { __name__: 'indented' }, v: 7 });
    expect(rows[10].v).toBe(12.47);
    expect(rows[11]).toEqual({ kind: 'type', meta: 'old unknown' });
  });

  it('reads integer values exactly and long ones as floats', () => {
    const rows = parseAll('a 007\nb 9007199254740993\nc 12345678901234567890\nd -42\ne 1e3\n', false);
    expect(rows.map((r) => r.v)).toEqual([7, 9007199254740992, 12345678901234567000, -42, 1000]);
  });

  it('reads plain decimals as Go ParseFloat does, without a string per value', () => {
    const written = ['1.5', '0.25', '-2.5', '-0', '0.1', '.5', '5.', '123456789012.345', '999999999999999', '0.000000000000001', '3.141592653589793', '1234567890123456.5', '-0.30000000000000004'];
    const rows = parseAll(written.map((v, k) => `m${k} ${v}\n`).join(''), false);
    expect(rows.map((r) => r.v)).toEqual(written.map(Number));
    expect(Object.is(rows[3].v, -0)).toBe(true);
    // Many random decimals of up to 15 digits: bit for bit what Number (Go's ParseFloat) reads.
    let seed = 7;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const many = Array.from({ length: 2000 }, () => {
      const digits = String(Math.floor(rand() * 1e15)).padStart(1 + Math.floor(rand() * 15), '0');
      const dot = Math.floor(rand() * (digits.length + 1));
      return `${rand() < 0.3 ? '-' : ''}${digits.slice(0, dot)}.${digits.slice(dot)}`.replace(/^(-?)\.$/, '$10');
    });
    expect(parseAll(many.map((v, k) => `n${k} ${v}\n`).join(''), false).map((r) => r.v)).toEqual(many.map(Number));
    expect(() => parseAll('x .\n', false)).toThrow('invalid syntax');
    expect(() => parseAll('x 1.2.3\n', false)).toThrow('invalid syntax');
    expect(() => parseAll('x -\n', false)).toThrow('invalid syntax');
  });

  it('reads histogram and summary series under their own names', () => {
    const text = '# TYPE h histogram\nh_bucket{le="0.1"} 1\nh_bucket{le="+Inf"} 2\nh_sum 0.3\nh_count 2\n# TYPE s summary\ns{quantile="0.5"} 1\ns_sum 3\ns_count 4\n';
    const names = parseAll(text, false).filter((r) => r.kind === 'series').map((r) => `${r.labels!.__name__}${r.labels!.le ?? r.labels!.quantile ?? ''}`);
    expect(names).toEqual(['h_bucket0.1', 'h_bucket+Inf', 'h_sum', 'h_count', 's0.5', 's_sum', 's_count']);
  });

  it('reports malformed lines with their line number', () => {
    expect(() => parseAll('ok 1\nbad{a="1" 2\n', false)).toThrow(/^line 2: /);
    expect(() => parseAll('ok 1\n\nfoo bar\n', false)).toThrow('line 3: strconv.ParseFloat: parsing "bar": invalid syntax');
    expect(() => parseAll('x{a=b} 1', false)).toThrow('line 1: expected label value');
    expect(() => parseAll('1abc 1', false)).toThrow('is not a valid start token');
    expect(() => parseAll('x 1 12.5', false)).toThrow('invalid timestamp "12.5"');
    expect(() => parseAll('x{a="1",a="2"} 1', false)).toThrow('label name "a" is not unique');
    expect(() => parseAll('x\n', false)).toThrow('line 1: expected value after metric');
    expect(() => parseAll('# TYPE x bogus\n', false)).toThrow('invalid metric type "bogus"');
    expect(() => parseAll('x{a="1} 1\n', false)).toThrow('unterminated label value');
  });
});

describe('OpenMetrics 1.0', () => {
  it('parses UNIT, second timestamps, exemplars and # EOF', () => {
    const text = [
      '# TYPE acme_http_router_request_seconds summary',
      '# UNIT acme_http_router_request_seconds seconds',
      '# HELP acme_http_router_request_seconds Latency \\"quoted\\".',
      'acme_http_router_request_seconds_sum{path="/api/v1",method="GET"} 9036.32 1520879607.789',
      'acme_http_router_request_seconds_count{path="/api/v1",method="GET"} 807283.0',
      '# TYPE foo histogram',
      'foo_bucket{le="0.01"} 0',
      'foo_bucket{le="+Inf"} 17 # {trace_id="oHg5SJYRHA0"} 9.8 1520879607.789',
      'foo_total 3 # {a="b"} 1',
      '# EOF',
      '',
    ].join('\n');
    const rows = parseAll(text, true);
    expect(rows[1]).toEqual({ kind: 'unit', meta: 'acme_http_router_request_seconds seconds' });
    expect(rows[2]).toEqual({ kind: 'help', meta: 'acme_http_router_request_seconds Latency "quoted".' });
    expect(rows[3]).toMatchObject({ v: 9036.32, t: 1520879607789 });
    expect(rows[7]).toMatchObject({ v: 17, ex: { labels: { trace_id: 'oHg5SJYRHA0' }, value: 9.8, ts: 1520879607789 } });
    expect(rows[8].ex).toEqual({ labels: { a: 'b' }, value: 1, ts: NaN });
    expect(rows).toHaveLength(9);
  });

  it('refuses what OpenMetrics forbids', () => {
    expect(() => parseAll('a 1\n', true)).toThrow('line 2: data does not end with # EOF');
    expect(() => parseAll('a 1\n# EOF\nb 2\n', true)).toThrow('line 3: unexpected data after # EOF');
    expect(() => parseAll('a 1\n\n# EOF\n', true)).toThrow('line 2: unexpected empty line');
    expect(() => parseAll('# TYPE a untyped\n# EOF\n', true)).toThrow('invalid metric type "untyped"');
    expect(() => parseAll('# UNIT a_bytes seconds\n# EOF\n', true)).toThrow('unit "seconds" not a suffix of metric "a_bytes"');
    expect(() => parseAll('a 1 NaN\n# EOF\n', true)).toThrow('invalid timestamp');
    expect(() => parseAll('a 1 # {x="y"}\n# EOF\n', true)).toThrow('line 1: invalid exemplar');
    expect(() => parseAll(`a 1 # {x="${'y'.repeat(130)}"} 1\n# EOF\n`, true)).toThrow('exceeding the limit of 128');
    expect(() => parseAll('# random comment\n# EOF\n', true)).toThrow('invalid comment line');
  });
});

describe('content negotiation', () => {
  it('asks for formats in Prometheus 3 order and picks the parser from Content-Type', () => {
    expect(acceptHeader(DEFAULT_SCRAPE_PROTOCOLS)).toBe(
      'application/openmetrics-text;version=1.0.0;escaping=underscores;q=0.6,application/openmetrics-text;version=0.0.1;q=0.5,text/plain;version=1.0.0;escaping=underscores;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2',
    );
    expect(isOpenMetricsContentType('application/openmetrics-text; version=1.0.0; charset=utf-8')).toBe(true);
    expect(isOpenMetricsContentType('text/plain; version=0.0.4; charset=utf-8')).toBe(false);
    expect(() => isOpenMetricsContentType(undefined)).toThrow('blank Content-Type');
    expect(() => isOpenMetricsContentType('text/html')).toThrow('unsupported Content-Type "text/html"');
    expect(isOpenMetricsContentType('text/html', 'PrometheusText0.0.4')).toBe(false);
  });
});

describe('parsing from bytes', () => {
  /** A small deterministic generator (the fuzz below must be reproducible). */
  function rng(seed: number): () => number {
    let s = seed >>> 0;
    return () => {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      return s / 2 ** 32;
    };
  }

  it('reads plain decimal values and integer timestamps from the bytes exactly as parseFloat and Number read the text', () => {
    const r = rng(21);
    const digits = (n: number) => Array.from({ length: n }, () => String(Math.floor(r() * 10))).join('');
    const values: string[] = ['0', '-0', '0.0', '1.', '.5', '-.5', '000123', '999999999999999', '9999999999999999', '0.1', '0.3', '123456789012345.6', '1e3', '-1.5E-7', 'NaN', '+Inf', '-Inf', '+7', '0x1p-2'];
    for (let k = 0; k < 3000; k++) {
      const int = digits(Math.floor(r() * 18));
      const frac = r() < 0.6 ? `.${digits(Math.floor(r() * 18))}` : '';
      const v = `${r() < 0.3 ? '-' : ''}${int}${frac}`;
      if (/\d/.test(v)) values.push(v);
    }
    const timestamps = ['0', '-0', '1395066363000', '-1395066363000', '999999999999999', '1234567890123456789'];
    for (let k = 0; k < 500; k++) timestamps.push(`${r() < 0.2 ? '-' : ''}${digits(1 + Math.floor(r() * 18))}`);
    const body = Buffer.from(values.map((v, k) => `m{k="${k}"} ${v} ${timestamps[k % timestamps.length]}\n`).join(''));
    const p = new ExpositionParser(body, false);
    let k = 0;
    for (let e = p.next(); e !== Entry.EOF; e = p.next(), k++) {
      const v = values[k];
      const want = v === 'NaN' ? NaN : v === '+Inf' ? Infinity : v === '-Inf' ? -Infinity : v === '0x1p-2' ? 0.25 : parseFloat(v);
      expect([v, p.value]).toEqual([v, want]);
      expect(Object.is(p.value, want)).toBe(true);
      const ts = timestamps[k % timestamps.length];
      expect(Object.is(p.timestamp, Number(ts))).toBe(true);
    }
    expect(k).toBe(values.length);
  });

  it('gives each series its byte range and the hash of those bytes, on the quick and the strict label scan alike', () => {
    const text = [
      'plain 1',
      'm{a="x",b="y"} 2',
      'm{ a = "x" , b="y", } 3',
      'utf8{v="é€😀",w="\\"q\\""} 4',
      // A backslash before a carriage return inside a value: not the quick scan's shape, checked strictly.
      'cr{a="x\\\r"} 5',
    ].join('\n');
    const body = Buffer.from(text);
    const p = new ExpositionParser(body, false);
    const keys: string[] = [];
    for (let e = p.next(); e !== Entry.EOF; e = p.next()) {
      expect(p.keyHash).toBe(hashSeriesKey(body, p.keyStart, p.keyEnd));
      expect(p.seriesKey).toBe(body.toString('utf8', p.keyStart, p.keyEnd));
      keys.push(p.seriesKey);
      p.labels();
    }
    expect(keys).toEqual(['plain', 'm{a="x",b="y"}', 'm{ a = "x" , b="y", }', 'utf8{v="é€😀",w="\\"q\\""}', 'cr{a="x\\\r"}']);
    // Keys that differ in one byte hash apart (here), and the same bytes anywhere hash alike.
    const a = Buffer.from('m{a="x"} m{a="y"} m{a="x"}');
    expect(hashSeriesKey(a, 0, 8)).not.toBe(hashSeriesKey(a, 9, 17));
    expect(hashSeriesKey(a, 0, 8)).toBe(hashSeriesKey(a, 18, 26));
  });

  it('parses a body given as bytes as it parses the same text given as a string, labels with multi-byte characters included', () => {
    const text = '# HELP h_total Help with ünïcode \\n.\n# TYPE h_total counter\nh_total{path="/ü/€",x="😀"} 1.5 1000\nh_total{path="a\\\\b"} -2\n';
    const fromString = parseAll(text, false);
    const p = new ExpositionParser(Buffer.from(text), false);
    const rows: unknown[] = [];
    for (let e = p.next(); e !== Entry.EOF; e = p.next()) {
      if (e === Entry.Series) rows.push({ kind: 'series', key: p.seriesKey, labels: p.labels().toObject(), v: p.value, t: p.timestamp });
      else if (e === Entry.Type) rows.push({ kind: 'type', meta: `${p.family} ${p.metricType}` });
      else if (e === Entry.Help) rows.push({ kind: 'help', meta: `${p.family} ${p.help}` });
    }
    expect(rows).toEqual(fromString);
    expect(fromString[2]).toMatchObject({ labels: { __name__: 'h_total', path: '/ü/€', x: '😀' }, v: 1.5, t: 1000 });
  });
});

describe('a series line read by its expected key', () => {
  /** Everything a consumer reads of the first entry of `text`, or the error it threw. */
  function firstEntry(text: string, om: boolean, expect?: string): { matched: boolean; row: unknown } {
    const p = new ExpositionParser(Buffer.from(text), om);
    if (expect !== undefined) {
      const k = Buffer.from(expect);
      // The expected key at an offset inside a larger array, as in a scrape cache's arena.
      const arena = Buffer.concat([Buffer.from('xx'), k, Buffer.from('yy')]);
      p.expectKey(arena, 2, k.length, hashSeriesKey(k, 0, k.length));
    }
    let matched = false;
    try {
      const rows: unknown[] = [];
      for (let e = p.next(), n = 0; e !== Entry.EOF && n < 2; e = p.next(), n++) {
        if (n === 0) matched = p.matchedExpected;
        if (e !== Entry.Series) {
          rows.push({ e, family: p.family });
          continue;
        }
        const ex = p.exemplar();
        rows.push({ key: p.seriesKey, hash: p.keyHash, name: p.metricName(), labels: p.labels().toObject(), v: p.value, t: p.timestamp, line: p.line, ex: ex && { labels: ex.labels.toObject(), value: ex.value, ts: ex.ts } });
      }
      return { matched, row: rows };
    } catch (e) {
      return { matched, row: (e as Error).message };
    }
  }

  const keys = ['up', 'a_total{x="1",y="2"}', 'a_total{x="1",y="2"', 'a_total{x="\\"}\\\\ é"}', 'a_total{x="1"}', 'a_total{x="1" }', 'a'];
  const tails = [' 1', ' 1\n', '\t-2.5 1700000000000\n', ' 1 1700000000000   \n', ' 1.5\r\n', ' NaN\n', ' +Inf\n', ' 1e3\n', ' 0x1p3\n', ' 1234567890123456\n', ' 1 2 3\n', ' 1 2.5\n', ' 1 x\n', ' \n', '\n', ' 1 # {a="b"} 2 3\n', ' 1 1.5 # {a="b"} 2\n', ' 1.2.3\n', ' -\n', ' 1\nb 2\n'];

  it('reads what the full parse reads, for every key and line around it, in both formats', () => {
    let fast = 0;
    for (const om of [false, true]) {
      for (const lineKey of keys) {
        for (const tail of tails) {
          const rest = tail + (om ? '# EOF\n' : '');
          const text = lineKey + rest;
          const plain = firstEntry(text, om);
          for (const k of [...keys, 'a_total{x="1",y="3"}']) {
            // A key must be one the parser read before (a scrape cache's): skip the malformed one as expectation.
            if (k === 'a_total{x="1",y="2"') continue;
            const got = firstEntry(text, om, k);
            expect(got.row, `${JSON.stringify(text)} expecting ${k}`).toEqual(plain.row);
            if (got.matched) fast++;
            // Read by the expected key only when it is that line's key and the rest is a plain value (and timestamp).
            const simple = /^[ \t]+-?\d+(\.\d+)?([ \t]+\d+)?[ \t]*(\n|$)/.test(rest) && !(om && /^[ \t]+\S+[ \t]+\S/.test(rest));
            expect(got.matched, `${JSON.stringify(text)} expecting ${k}`).toBe(k === lineKey && simple && tail !== ' 1234567890123456\n');
          }
        }
      }
    }
    expect(fast).toBeGreaterThan(30);
  });

  it('keeps the expectation across comment lines and drops it after the next series line', () => {
    const text = '# HELP a_total A.\n# TYPE a_total counter\na_total{x="1"} 5\na_total{x="1"} 6\n';
    const p = new ExpositionParser(Buffer.from(text), false);
    const k = Buffer.from('a_total{x="1"}');
    p.expectKey(k, 0, k.length, 1234);
    expect(p.next()).toBe(Entry.Help);
    expect(p.next()).toBe(Entry.Type);
    expect(p.next()).toBe(Entry.Series);
    expect([p.matchedExpected, p.keyHash, p.value, p.line, p.metricName()]).toEqual([true, 1234, 5, 3, 'a_total']);
    expect(p.next()).toBe(Entry.Series);
    expect([p.matchedExpected, p.keyHash, p.value, p.line]).toEqual([false, hashSeriesKey(k, 0, k.length), 6, 4]);
    expect(p.next()).toBe(Entry.EOF);
  });
});

describe('comment lines repeated from the previous exposition', () => {
  function entries(p: ExpositionParser): string[] {
    const out: string[] = [];
    for (let e = p.next(); e !== Entry.EOF; e = p.next()) {
      if (e === Entry.Series) out.push(`series ${p.seriesKey}`);
      else if (p.repeated) out.push(`repeated ${e} #${p.commentIndex}`);
      else if (e === Entry.Help) out.push(`help ${p.family} ${p.help} #${p.commentIndex}`);
      else if (e === Entry.Type) out.push(`type ${p.family} ${p.metricType} #${p.commentIndex}`);
      else if (e === Entry.Unit) out.push(`unit ${p.family} ${p.unit} #${p.commentIndex}`);
      else out.push(`comment ${p.comment} #${p.commentIndex}`);
    }
    return out;
  }

  it('returns the remembered kind for a line equal to the one at its position last time, decodes the others', () => {
    const memo = new CommentMemo();
    const one = '# HELP a_total A.\n# TYPE a_total counter\na_total 1\n# just a comment\n# HELP b Bee \\\\ x.\n# TYPE b gauge\nb 2\n';
    expect(entries(new ExpositionParser(Buffer.from(one), false, memo))).toEqual(['help a_total A. #0', 'type a_total counter #1', 'series a_total', 'comment # just a comment #2', 'help b Bee \\ x. #3', 'type b gauge #4', 'series b']);
    expect(entries(new ExpositionParser(Buffer.from(one), false, memo))).toEqual([`repeated ${Entry.Help} #0`, `repeated ${Entry.Type} #1`, 'series a_total', `repeated ${Entry.Comment} #2`, `repeated ${Entry.Help} #3`, `repeated ${Entry.Type} #4`, 'series b']);
    // A longer help at #0, a shorter type at #1, a new line at #5; #3 and #4 unchanged.
    const two = '# HELP a_total A longer help.\n# TYPE a_total gauge\na_total 1\n# just a comment\n# HELP b Bee \\\\ x.\n# TYPE b gauge\n# TYPE c counter\n';
    expect(entries(new ExpositionParser(Buffer.from(two), false, memo))).toEqual(['help a_total A longer help. #0', 'type a_total gauge #1', 'series a_total', `repeated ${Entry.Comment} #2`, `repeated ${Entry.Help} #3`, `repeated ${Entry.Type} #4`, 'type c counter #5']);
    expect(entries(new ExpositionParser(Buffer.from(two), false, memo))).toEqual([0, 1, 's', 2, 3, 4, 5].map((k) => (k === 's' ? 'series a_total' : `repeated ${[Entry.Help, Entry.Type, Entry.Comment, Entry.Help, Entry.Type, Entry.Type][k as number]} #${k}`)));
    // The same bytes in OpenMetrics are parsed again (a plain comment is an error there; `# UNIT` means something).
    expect(() => entries(new ExpositionParser(Buffer.from(`${two}# EOF\n`), true, memo))).toThrow(/line 4: invalid comment line/);
    const om = '# TYPE a_seconds gauge\n# UNIT a_seconds seconds\na_seconds 1\n# EOF\n';
    expect(entries(new ExpositionParser(Buffer.from(om), true, memo))).toEqual(['type a_seconds gauge #0', 'unit a_seconds seconds #1', 'series a_seconds']);
    expect(entries(new ExpositionParser(Buffer.from(om), true, memo))).toEqual([`repeated ${Entry.Type} #0`, `repeated ${Entry.Unit} #1`, 'series a_seconds']);
    // A line that failed is not remembered: it fails again.
    const bad = '# TYPE a_seconds nonsense\n';
    expect(() => entries(new ExpositionParser(Buffer.from(bad), false, memo))).toThrow(/invalid metric type/);
    expect(() => entries(new ExpositionParser(Buffer.from(bad), false, memo))).toThrow(/invalid metric type/);
  });

  it('remembers lines that change length many times without mixing their bytes', () => {
    const memo = new CommentMemo();
    for (let round = 0; round < 60; round++) {
      const lines = Array.from({ length: 40 }, (_, k) => `# HELP m${k} ${'h'.repeat((k * 7 + round * (k % 3)) % 50)}${round % 4 === k % 4 ? round : ''}\n`);
      const text = lines.join('');
      const first = entries(new ExpositionParser(Buffer.from(text), false, memo));
      const again = entries(new ExpositionParser(Buffer.from(text), false, memo));
      expect(again).toEqual(lines.map((_, k) => `repeated ${Entry.Help} #${k}`));
      for (let k = 0; k < 40; k++) if (!first[k].startsWith('repeated')) expect(first[k]).toBe(`help m${k} ${lines[k].slice(`# HELP m${k} `.length, -1)} #${k}`);
    }
  });
});

/** The LogQL pipeline on single lines: queries parsed by the real parser, stages run as the engine runs them. */
import { describe, expect, it } from 'vitest';
import type { LogSelectorExpr } from './ast.js';
import { parseLogql } from './parser.js';
import { Pipeline } from './pipeline.js';

/** Labels after running `query`'s pipeline over `line`, or undefined when the line is dropped. */
function run(query: string, line: string): Record<string, string> | undefined {
  const expr = parseLogql(query) as LogSelectorExpr;
  const p = new Pipeline(expr.stages);
  const labels = new Map<string, string>([['app', 'a']]);
  if (p.pushdown && !p.pushdown.test(line)) return undefined;
  const ok = p.process({ line, ts: 0n, labels, stream: new Set(['app']) });
  return ok ? Object.fromEntries(labels) : undefined;
}

describe('json parser keeps raw number text (as Loki)', () => {
  it('0.50 stays 0.50, 1e3 stays 1e3, -0.0 stays -0.0', () => {
    const l = run('{app="a"} | json', '{"ratio":0.50,"big":1e3,"neg":-0.0,"n":{"x":10.10},"ok":true,"s":"0.50","arr":[1,2],"nil":null}');
    expect(l).toEqual({ app: 'a', ratio: '0.50', big: '1e3', neg: '-0.0', n_x: '10.10', ok: 'true', s: '0.50' });
  });
  it('extraction expressions keep raw numbers and raw nested JSON', () => {
    const l = run('{app="a"} | json r="ratio", o="obj", e="arr[1]"', '{"ratio": 0.50, "obj": {"a": 1.0}, "arr": [1.50, 2.00]}');
    expect(l).toEqual({ app: 'a', r: '0.50', o: '{"a": 1.0}', e: '2.00' });
  });
  it('numeric label filters still compare the value', () => {
    expect(run('{app="a"} | json | ratio > 0.4', '{"ratio":0.50}')).toEqual({ app: 'a', ratio: '0.50' });
    expect(run('{app="a"} | json | ratio > 0.6', '{"ratio":0.50}')).toBeUndefined();
  });
  it('invalid JSON sets JSONParserErr', () => {
    expect(run('{app="a"} | json', '{"a":0.5,')?.__error__).toBe('JSONParserErr');
    expect(run('{app="a"} | json', 'not json')?.__error__).toBe('JSONParserErr');
  });
});

describe('duration label filters (Go time.ParseDuration, as Loki)', () => {
  it('compare values with units', () => {
    expect(run('{app="a"} | logfmt | d > 100ms', 'd=1.5s')).toBeDefined();
    expect(run('{app="a"} | logfmt | d > 100ms', 'd=50ms')).toBeUndefined();
    expect(run('{app="a"} | logfmt | d > 1m', 'd=1h2m3.5s')).toBeDefined();
  });
  it('refuse a bare number with Go\'s message', () => {
    const l = run('{app="a"} | logfmt | d > 100ms', 'd=5');
    expect(l?.__error__).toBe('LabelFilterErr');
    expect(l?.__error_details__).toBe('time: missing unit in duration "5"');
  });
  it('refuse unknown units and junk', () => {
    expect(run('{app="a"} | logfmt | d > 1s', 'd=5d')?.__error_details__).toBe('time: unknown unit "d" in duration "5d"');
    expect(run('{app="a"} | logfmt | d > 1s', 'd=abc')?.__error_details__).toBe('time: invalid duration "abc"');
  });
  it('accept a lone 0 as Go does', () => {
    expect(run('{app="a"} | logfmt | d < 1s', 'd=0')).toEqual({ app: 'a', d: '0' });
  });
});

describe('logfmt with a known set of needed labels (metric queries with by (...))', () => {
  const runNeeded = (query: string, needed: string[], line: string) => {
    const expr = parseLogql(query) as LogSelectorExpr;
    const labels = new Map<string, string>([['app', 'a']]);
    const ok = new Pipeline(expr.stages, needed).process({ line, ts: 0n, labels, stream: new Set(['app']) });
    return ok ? Object.fromEntries(labels) : undefined;
  };
  it('extracts only the needed keys, sanitized names included', () => {
    expect(runNeeded('{app="a"} | logfmt', ['level', 'a_b'], 'x=1 a.b=2 level=warn y="q"')).toEqual({ app: 'a', a_b: '2', level: 'warn' });
  });
  it('label filters after the parser still see their labels', () => {
    expect(runNeeded('{app="a"} | logfmt | status >= 500', ['level'], 'level=error status=503')).toEqual({ app: 'a', level: 'error', status: '503' });
    expect(runNeeded('{app="a"} | logfmt | status >= 500', ['level'], 'level=error status=200')).toBeUndefined();
  });
  it('a needed key with an empty value does not end parsing early', () => {
    expect(runNeeded('{app="a"} | logfmt', ['level'], 'level= msg=x level=info')).toEqual({ app: 'a', level: 'info' });
  });
  it('a stream label that is needed keeps the _extracted suffix for a clashing key', () => {
    expect(runNeeded('{app="a"} | logfmt', ['app_extracted', 'level'], 'app=b level=info')).toEqual({ app: 'a', app_extracted: 'b', level: 'info' });
  });
});

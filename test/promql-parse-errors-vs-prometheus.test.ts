import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseExpr, parseMetricSelector } from '../src/metrics/promql/index.js';
import { prometheusAvailable, startPrometheus, type PrometheusPeer } from './helpers/prometheus-peer.js';

/**
 * Bad selectors (`match[]`) and bad queries, answered by a real Prometheus (the Debian 2.42 package) and by our
 * PromQL parser: the messages must be the same. Only inputs whose meaning Prometheus 3 (our semantics) did not
 * change are listed: inside `[...]` Prometheus 3 lexes duration expressions (`bad number or duration syntax`
 * where 2.42 says `bad duration syntax`), `offset 5` is valid, and `{"a"}` is a quoted metric name.
 */
const SELECTORS = [
  '{foo',
  'foo{bar}',
  'foo{bar="',
  '',
  'foo bar',
  'foo[5m]',
  '1',
  '1foo',
  '{foo=bar}',
  '{,}',
  '{foo!x}',
  'foo{a="b"}{c="d"}',
  '{a="b" c="d"}',
  '{a="b"',
  'foo{a="b"} offset 5m',
  '{a="\\q"}',
  'foo{a="\\xZZ"}',
  '{a="b"}x',
  '{a}',
  '{a=}',
  'foo}',
  'foo{a="b"}}',
  '(foo)',
  'foo{a=~"x"',
  'foo{',
  '{a="b\n"}',
  'foo bar{',
  'foo{1="a"}',
  'foo{a="b"}[',
  'sum(foo)',
  // Valid ones: both accept.
  'foo{a="b",}',
  'foo{__name__="bar"}',
  '{a=`x`}',
  "{a='x'}",
  'foo#',
  'foo:bar{a!~"x"}',
];

const QUERIES = [
  'sum(foo',
  'foo)',
  'rate(foo[5m]',
  '((foo)',
  'nosuch(foo)',
  'foo{',
  'foo +',
  '1 +',
  '',
  '  ',
  'sum by (a foo',
  'sum(foo) by',
  'rate(foo)',
  '"abc',
  'foo offset',
  'foo @',
  'foo @ bar()',
  'foo and 1',
  '1 and 2',
  '1 == 1',
  '-"a"',
  'label_replace(foo,"a","b","c")',
  'histogram_quantile(0.9)',
  'abs(foo,bar)',
  'time(1)',
  'vector()',
  'foo $',
  'foo ~ 1',
  'foo ! bar',
  'foo !~ bar',
  'foo{a="b"} bool',
  'count_values(1, foo)',
  'topk(foo, bar)',
  'foo[5m:]]',
  '[5m]',
  'foo[1.5m]',
  'foo[5m] offset -1s[1m]',
  'rate(foo[5m])[1m]',
  'sum(foo)[5m]',
  'foo / on(a) group_left(a) bar',
  'foo and on(a) group_left bar',
  'foo{__name__="bar"}',
  '1foo',
  'foo{a="\\q"}',
  'foo{bar}',
  '{a="b" c="d"}',
  // Valid ones: both accept.
  'foo[5m]',
  'sum without() (foo)',
  'foo == bool bar',
  'foo @ start()',
  'foo # comment',
];

const HAVE = prometheusAvailable();

async function promError(peer: PrometheusPeer, path: string, param: string, value: string): Promise<{ status: number; error: string }> {
  const res = await fetch(`${peer.url}/api/v1/${path}`, { method: 'POST', body: new URLSearchParams([[param, value], ...(path === 'query' ? [['time', '1000'] as [string, string]] : [])]) });
  const body = (await res.json()) as { error?: string };
  // Prometheus prefixes the parameter: `invalid parameter "match[]": 1:5: parse error: ...`.
  return { status: res.status, error: (body.error ?? '').replace(/^invalid parameter "[^"]+": /, '') };
}

function ours(fn: () => unknown): string {
  try {
    fn();
    return '';
  } catch (e) {
    return (e as Error).message;
  }
}

describe.skipIf(!HAVE)('PromQL parse errors: ours vs Prometheus 2.42', () => {
  let dir: string;
  let peer: PrometheusPeer;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'promql-errors-'));
    peer = await startPrometheus(dir, 'global:\n  scrape_interval: 1h\n');
  }, 30_000);
  afterAll(async () => {
    await peer?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The inputs whose answers differ, each with both answers ('' = accepted). */
  async function differences(inputs: string[], path: string, param: string, parse: (s: string) => unknown): Promise<string[]> {
    const diffs: string[] = [];
    for (const input of inputs) {
      const prom = await promError(peer, path, param, input);
      const mine = ours(() => parse(input));
      if (prom.error !== mine) diffs.push(`${JSON.stringify(input)}: prometheus ${JSON.stringify(prom.error)} ours ${JSON.stringify(mine)}`);
    }
    return diffs;
  }

  it('match[] selectors get the same answer', async () => {
    expect(await differences(SELECTORS, 'series', 'match[]', parseMetricSelector)).toEqual([]);
  }, 30_000);

  it('queries get the same answer', async () => {
    expect(await differences(QUERIES, 'query', 'query', (q) => parseExpr(q))).toEqual([]);
  }, 30_000);
});

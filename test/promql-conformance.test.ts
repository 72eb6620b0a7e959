import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runScript, type CaseResult } from '../src/metrics/promql/promqltest/index.js';

/**
 * Prometheus's own PromQL test corpus (promql/promqltest/testdata), run through our promqltest runner. Every case
 * that fails must be listed in `promql-known-failures.txt` with a reason; a listed case that now passes fails the
 * run too, so the list stays true. `UPDATE_KNOWN_FAILURES=1` rewrites the list from the current results.
 */
const DIR = join(import.meta.dirname, 'conformance', 'promql');
const KNOWN = join(import.meta.dirname, 'conformance', 'promql-known-failures.txt');
const CORE = ['aggregators', 'at_modifier', 'collision', 'functions', 'histograms', 'literals', 'name_label_dropping', 'operators', 'range_queries', 'selectors', 'staleness', 'subquery', 'trig_functions'];

function loadKnown(): Map<string, string> {
  const m = new Map<string, string>();
  if (!existsSync(KNOWN)) return m;
  for (const line of readFileSync(KNOWN, 'utf8').split('\n')) {
    const t = line.trim();
    if (t === '' || t.startsWith('#')) continue;
    const sp = t.search(/\s/);
    m.set(sp < 0 ? t : t.slice(0, sp), sp < 0 ? '' : t.slice(sp).trim());
  }
  return m;
}

function reason(r: CaseResult): string {
  const why = (r.error ?? '').replace(/\s+/g, ' ').slice(0, 160);
  return r.native ? `native histograms: ${why}` : why;
}

describe('PromQL conformance (Prometheus promqltest corpus)', () => {
  it('passes every case outside the known-failures list', async () => {
    const files = readdirSync(DIR)
      .filter((f) => f.endsWith('.test'))
      .sort();
    expect(files.length).toBeGreaterThan(10);
    const known = loadKnown();
    const unexpected: string[] = [];
    const nowPassing: string[] = [];
    const failures: string[] = [];
    let pass = 0;
    let total = 0;
    let corePass = 0;
    let coreTotal = 0;
    const lines: string[] = [];
    for (const f of files) {
      const results = await runScript(readFileSync(join(DIR, f), 'utf8'));
      const p = results.filter((r) => r.passed).length;
      pass += p;
      total += results.length;
      const name = f.replace(/\.test$/, '');
      if (CORE.includes(name)) {
        corePass += p;
        coreTotal += results.length;
      }
      lines.push(`${CORE.includes(name) ? 'core' : 'exp '} ${f.padEnd(28)} ${String(p).padStart(4)}/${String(results.length).padEnd(4)} pass, ${results.length - p} fail`);
      for (const r of results) {
        const id = `${f}:${r.line}`;
        if (!r.passed) {
          failures.push(`${id}  ${reason(r)}`);
          if (!known.has(id)) unexpected.push(`${id}  ${r.expr}  -- ${r.error}`);
        } else if (known.has(id)) nowPassing.push(`${id}  ${r.expr}`);
      }
    }
    lines.push(`total: ${pass}/${total} (${((100 * pass) / total).toFixed(1)}%); stable core: ${corePass}/${coreTotal} (${((100 * corePass) / coreTotal).toFixed(1)}%)`);
    console.log(lines.join('\n'));
    if (process.env.UPDATE_KNOWN_FAILURES) {
      writeFileSync(KNOWN, `# file:line  reason — PromQL conformance cases that fail today (regenerate: UPDATE_KNOWN_FAILURES=1)\n${failures.join('\n')}\n`);
      return;
    }
    if (nowPassing.length) console.log(`listed as known failures but passing now (remove them):\n${nowPassing.join('\n')}`);
    expect(unexpected, 'cases failing that are not in test/conformance/promql-known-failures.txt').toEqual([]);
    expect(nowPassing, 'cases in the known-failures list that pass now').toEqual([]);
  }, 120_000);
});

import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkRules } from './check-rules.js';
import { validatePromql } from './promql-validator.js';

const DIR = join(import.meta.dirname, 'testdata');
const FILES = readdirSync(DIR)
  .filter((f) => f.endsWith('.yml'))
  .sort();
const havePromtool = spawnSync('promtool', ['--version']).status === 0;

function ours(files: string[]) {
  let stdout = '';
  let stderr = '';
  const code = checkRules(files, validatePromql, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s) }, { program: 'promtool' });
  return { code, stdout, stderr };
}

/** PromQL parse messages are the PromQL parser's own (Prometheus 3 wording); positions and the rest must agree. */
const normalize = (s: string) => s.replace(/parse error: .*/g, 'parse error: <msg>');

describe('sightline check rules, side by side with promtool check rules (Prometheus 2.42)', () => {
  it('covers valid and invalid files', () => {
    expect(FILES.length).toBeGreaterThanOrEqual(10);
    expect(existsSync(join(DIR, 'good.yml'))).toBe(true);
  });

  for (const f of FILES) {
    it.skipIf(!havePromtool)(`${f}: same exit code, stdout and errors`, () => {
      const file = join(DIR, f);
      const real = spawnSync('promtool', ['check', 'rules', file], { encoding: 'utf8' });
      const mine = ours([file]);
      expect(mine.code).toBe(real.status);
      expect(mine.stdout).toBe(real.stdout);
      // Go map iteration orders label errors randomly; compare as sets of lines.
      expect(normalize(mine.stderr).split('\n').sort()).toEqual(normalize(real.stderr).split('\n').sort());
    });
  }

  it.skipIf(!havePromtool)('several files at once, and a missing file', () => {
    const files = ['good.yml', 'bad-mixed.yml', 'seed-alerts.yml'].map((f) => join(DIR, f));
    const real = spawnSync('promtool', ['check', 'rules', ...files], { encoding: 'utf8' });
    const mine = ours(files);
    expect(mine.code).toBe(real.status);
    expect(mine.stdout).toBe(real.stdout);
    const missing = spawnSync('promtool', ['check', 'rules', join(DIR, 'nope.yml')], { encoding: 'utf8' });
    const m2 = ours([join(DIR, 'nope.yml')]);
    expect(m2.code).toBe(missing.status);
    expect(m2.stderr).toBe(missing.stderr);
  });

  it('reports the seed rules as valid and a bad expression with its position', () => {
    expect(ours([join(DIR, 'seed-alerts.yml')]).stdout).toContain('SUCCESS: 2 rules found');
    const bad = ours([join(DIR, 'bad-mixed.yml')]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(`${join(DIR, 'bad-mixed.yml')}: 5:15: group "a", rule 1, "X": could not parse expression: 1:8: parse error:`);
  });
});

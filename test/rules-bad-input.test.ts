/**
 * Bad rule files, as Prometheus treats them: refused at start with file and line (non-zero exit, nothing
 * listening); on `/-/reload` the error is answered (500, file and line) while the old rules keep running; a good
 * file re-read on SIGHUP keeps the state of the alerts whose rules did not change. `sightline check config` and
 * `sightline check rules` exit non-zero on the bad file, zero on the good one (for CI).
 */
import { spawnSync } from 'node:child_process';
import { connect } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, freePort, spawnSightline, startedPorts, tempDir, waitFor, type SpawnedSightline } from './helpers/process.js';

const GOOD = 'groups:\n- name: g\n  interval: 1s\n  rules:\n  - alert: Waiting\n    expr: vector(1) > 0\n    for: 1h\n';
// Line 6, column 11: the expression does not parse.
const BAD = 'groups:\n- name: g\n  interval: 1s\n  rules:\n  - alert: Broken\n    expr: sum(rate(x[5m])\n';
const MORE = GOOD + '  - record: one\n    expr: vector(1)\n';

function cli(args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'src/cli/main.ts'), ...args], { cwd: REPO_ROOT, encoding: 'utf8' });
}

const listening = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });

interface Rules {
  data: { groups: Array<{ name: string; lastEvaluation: string; rules: Array<{ name: string; alerts?: Array<{ activeAt: string }> }> }> };
}

describe('bad rule files at start, on reload, and in check', () => {
  let dir: string;
  let s: SpawnedSightline | undefined;
  const rulesFile = () => join(dir, 'rules.yml');

  beforeAll(() => {
    dir = tempDir('rules-bad-input-');
    writeFileSync(join(dir, 'prometheus.yml'), 'rule_files: [rules.yml]\n');
  });

  afterAll(async () => {
    if (s && s.child.exitCode === null) {
      s.child.kill('SIGTERM');
      await s.exited;
    }
  });

  it('sightline check rules / check config: 1 with file and line for the bad file, 0 for the good', () => {
    writeFileSync(rulesFile(), BAD);
    const rules = cli(['check', 'rules', rulesFile()]);
    expect(rules.status).toBe(1);
    expect(rules.stderr).toContain(`${rulesFile()}: 6:11: group "g", rule 1, "Broken": could not parse expression`);
    const config = cli(['check', 'config', join(dir, 'prometheus.yml')]);
    expect(config.status).toBe(1);
    expect(config.stderr).toContain('6:11:');
    writeFileSync(rulesFile(), GOOD);
    const good = cli(['check', 'config', join(dir, 'prometheus.yml')]);
    expect(good.status).toBe(0);
    expect(good.stdout).toContain(`Checking ${rulesFile()}\n  SUCCESS: 1 rules found`);
  }, 90_000);

  it('refuses to start on a bad rule file: non-zero exit, file and line, nothing listening', async () => {
    writeFileSync(rulesFile(), BAD);
    const port = await freePort();
    writeFileSync(join(dir, 'sightline.yaml'), `metrics: { listen_address: 127.0.0.1:${port}, scrape_self: false }\n`);
    const bad = spawnSightline(['--target', 'metrics', '--config.file', join(dir, 'sightline.yaml'), '--prometheus.config', join(dir, 'prometheus.yml'), '--data-dir', join(dir, 'data')]);
    const code = await bad.exited;
    expect(code).not.toBe(0);
    expect(bad.stderr()).toContain(`${rulesFile()}: 6:11:`);
    expect(await listening(port)).toBe(false);
  }, 30_000);

  it('on reload a bad file is reported and the old rules keep running; SIGHUP with a good file keeps alert state', async () => {
    writeFileSync(rulesFile(), GOOD);
    writeFileSync(join(dir, 'sightline.yaml'), 'metrics: { listen_address: 127.0.0.1:0, scrape_self: false }\n');
    s = spawnSightline(['--target', 'metrics', '--config.file', join(dir, 'sightline.yaml'), '--prometheus.config', join(dir, 'prometheus.yml'), '--data-dir', join(dir, 'data')]);
    const base = `http://127.0.0.1:${(await startedPorts(s, 30_000)).prometheus}`;
    const rules = async () => ((await (await fetch(`${base}/api/v1/rules`)).json()) as Rules).data.groups;
    const activeAt = await waitFor(async () => (await rules())[0]?.rules[0].alerts?.[0]?.activeAt, 10_000, 'Waiting pending');

    writeFileSync(rulesFile(), BAD);
    const res = await fetch(`${base}/-/reload`, { method: 'POST' });
    expect(res.status).toBe(500);
    expect(await res.text()).toContain(`${rulesFile()}: 6:11:`);
    const before = Date.parse((await rules())[0].lastEvaluation);
    await waitFor(async () => Date.parse((await rules())[0].lastEvaluation) > before, 5000, 'the old group evaluating on');
    expect((await rules())[0].rules.map((r) => r.name)).toEqual(['Waiting']);

    writeFileSync(rulesFile(), MORE);
    s.child.kill('SIGHUP');
    const after = await waitFor(async () => {
      const g = await rules();
      return g[0]?.rules.length === 2 ? g : undefined;
    }, 10_000, 'the SIGHUP reload');
    expect(after[0].rules.map((r) => r.name)).toEqual(['Waiting', 'one']);
    expect(after[0].rules[0].alerts?.[0]?.activeAt).toBe(activeAt);
  }, 40_000);
});

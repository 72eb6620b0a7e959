/**
 * Issue 20's start-up line: a component that cannot start — here the web UI, whose SQLite database cannot be
 * created (its directory is a file, as a full or broken disk would refuse it) — fails alone in `--target all`: the
 * error is logged, `sightline_component_up{component="ui"}` is 0, and the pillars keep ingesting and answering.
 * With `server.fail_fast: true` the same start stops the whole process, naming the error.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { STORES_ON_PORT_0, spawnSightline, startedPorts, tempDir, waitFor, type SpawnedSightline } from './helpers/process.js';

function config(dir: string, failFast: boolean): string {
  const blocker = join(dir, 'not-a-directory');
  writeFileSync(blocker, 'a file where the UI database directory should be\n');
  const file = join(dir, 'sightline.yaml');
  writeFileSync(
    file,
    [
      ...STORES_ON_PORT_0,
      'alertmanager: { listen_address: 127.0.0.1:0 }',
      `ui: { listen_address: 127.0.0.1:0, database: { path: ${JSON.stringify(join(blocker, 'sightline.db'))} } }`,
      `server: { fail_fast: ${failFast} }`,
      '',
    ].join('\n'),
  );
  return file;
}

describe('a component that cannot start', () => {
  const spawned: SpawnedSightline[] = [];
  afterAll(async () => {
    for (const s of spawned) {
      if (s.child.exitCode === null) s.child.kill('SIGTERM');
      await s.exited;
    }
  });

  it('fails alone by default: the UI is down and says why, the pillars ingest and answer', async () => {
    const dir = tempDir('ui-fails-alone-');
    const s = spawnSightline(['--target', 'all', '--config.file', config(dir, false), '--data-dir', join(dir, 'data')]);
    spawned.push(s);
    const ports = await startedPorts(s, 60_000);
    expect(ports.ui).toBeUndefined();
    expect(ports.prometheus).toBeGreaterThan(0);
    const errLine = s
      .stderr()
      .split('\n')
      .find((l) => l.includes('"component":"ui"') && l.includes('could not start'));
    expect(errLine).toBeDefined();
    expect(JSON.parse(errLine!).level).toBe(50);

    expect((await fetch(`http://127.0.0.1:${ports.prometheus}/-/ready`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${ports.loki}/ready`)).status).toBe(200);
    const line = `pushed while the UI is down ${Date.now()}`;
    const push = await fetch(`http://127.0.0.1:${ports.loki}/loki/api/v1/push`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ streams: [{ stream: { app: 'alone' }, values: [[String(BigInt(Date.now()) * 1_000_000n), line]] }] }),
    });
    expect(push.status).toBe(204);
    const found = await waitFor(
      async () => {
        const r = await fetch(`http://127.0.0.1:${ports.loki}/loki/api/v1/query_range?query=${encodeURIComponent('{app="alone"}')}&since=5m`);
        const body = (await r.json()) as { data: { result: Array<{ values: Array<[string, string]> }> } };
        const values = body.data.result.flatMap((x) => x.values.map((v) => v[1]));
        return values.length > 0 ? values : undefined;
      },
      20_000,
      'the pushed line',
    );
    expect(found).toEqual([line]);
    const metrics = await (await fetch(`http://127.0.0.1:${ports.prometheus}/metrics`)).text();
    expect(metrics).toMatch(/^sightline_component_up\{component="ui"\} 0$/m);
    expect(s.child.exitCode).toBe(null);
  }, 90_000);

  it('with server.fail_fast the whole process exits, naming the error', async () => {
    const dir = tempDir('ui-fail-fast-');
    const s = spawnSightline(['--target', 'all', '--config.file', config(dir, true), '--data-dir', join(dir, 'data')]);
    spawned.push(s);
    expect(await s.exited).not.toBe(0);
    expect(s.stderr()).toMatch(/not-a-directory|ENOTDIR|unable to open|directory does not exist/i);
  }, 90_000);
});

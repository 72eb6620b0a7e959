import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compressSnappyBody, encodeWriteRequestV1 } from '../src/metrics/remote/index.js';
import { Labels } from '../src/model/index.js';
import { REPO_ROOT, STORES_ON_PORT_0, startedPorts, tempDir, waitFor, type SpawnedSightline } from './helpers/process.js';

/**
 * The server's bundle (scripts/bundle-server.mjs, built by `npm run build` into dist/server-bundle and loaded by the
 * CLI for every target but the agent): built here into a directory laid out as the repository is, then `--target
 * all` run from it. What a bundle could break is what resolves files at run time: the query pools' worker entries
 * (each a bundle entry of its own beside run.js), the components' chunks loaded when a target runs them, the
 * package version. A remote-written sample is answered by PromQL in its worker, a pushed log line by LogQL in its
 * worker, a Tempo search by TraceQL in its worker.
 */
describe('the server bundle', () => {
  let root: string;
  let out: string;
  let s: SpawnedSightline | undefined;

  beforeAll(() => {
    root = tempDir('server-bundle-');
    symlinkSync(join(REPO_ROOT, 'node_modules'), join(root, 'node_modules'));
    copyFileSync(join(REPO_ROOT, 'package.json'), join(root, 'package.json'));
    out = join(root, 'dist', 'server-bundle');
    execFileSync(process.execPath, [join(REPO_ROOT, 'scripts/bundle-server.mjs'), out], { stdio: ['ignore', 'ignore', 'inherit'] });
  }, 60_000);

  afterAll(async () => {
    s?.child.kill('SIGKILL');
    await s?.exited;
    rmSync(root, { recursive: true, force: true });
  });

  it('has an entry per query worker, and no worker URL left pointing beside its source file', () => {
    for (const w of ['promql-worker', 'logql-worker', 'traceql-worker', 'trace-block-writer']) expect(existsSync(join(out, `${w}.js`))).toBe(true);
    const code = readdirSync(out)
      .filter((f) => f.endsWith('.js'))
      .map((f) => readFileSync(join(out, f), 'utf8'))
      .join('\n');
    expect(/new URL\("\.\/(worker|block-writer-worker)\.js"/.test(code)).toBe(false);
    // Each component a chunk of its own, loaded when the target runs it: run.js imports none of them statically.
    expect(readFileSync(join(out, 'run.js'), 'utf8')).toMatch(/import\("\.\/mimir-[A-Z0-9]+\.js"\)/);
  });

  it('keeps every chunk Latin-1: one character above U+00FF and V8 holds the whole chunk in two bytes per character', () => {
    const wide = readdirSync(out)
      .filter((f) => f.endsWith('.js'))
      .flatMap((f) => (readFileSync(join(out, f), 'utf8').match(/.{0,20}[\u0100-\uffff]/g) ?? []).map((m) => `${f}: ${m}`));
    expect(wide).toEqual([]);
  });

  it("keeps nodemailer out of what --target mimir loads at start: it is imported with the first email", () => {
    // The chunks a target loads at start: run.js's and the mimir chunk's static imports, transitively (the
    // components' chunks and nodemailer's are dynamic imports: `import("./x.js")`).
    const loaded = new Set<string>();
    const visit = (file: string) => {
      if (loaded.has(file)) return;
      loaded.add(file);
      for (const m of readFileSync(join(out, file), 'utf8').matchAll(/(?:from|import)"\.\/([^"]+\.js)"/g)) visit(m[1]);
    };
    visit('run.js');
    visit(readdirSync(out).find((f) => /^mimir-[A-Z0-9]+\.js$/.test(f))!);
    const atStart = [...loaded].filter((f) => readFileSync(join(out, f), 'utf8').includes('nodemailer.com/'));
    expect(atStart).toEqual([]);
    expect(readdirSync(out).some((f) => f.endsWith('.js') && readFileSync(join(out, f), 'utf8').includes('nodemailer.com/'))).toBe(true);
  });

  it('runs --target all: queries in the PromQL, LogQL and TraceQL workers answer', async () => {
    const dir = tempDir('server-bundle-run-');
    const config = join(dir, 'sightline.yaml');
    writeFileSync(config, [...STORES_ON_PORT_0, 'alertmanager: { listen_address: 127.0.0.1:0 }', 'ui: { listen_address: 127.0.0.1:0 }', ''].join('\n'));
    const child = spawn(process.execPath, [join(out, 'run.js'), '--target', 'all', '--config.file', config, '--data-dir', join(dir, 'data')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout.resume();
    s = { child, stdout: () => '', stderr: () => err, exited: new Promise((r) => child.on('exit', r)) };
    const ports = await startedPorts(s, 30_000);
    expect(err).toContain('"version":"0.1.0"');

    const now = Date.now();
    const write = await fetch(`http://127.0.0.1:${ports.prometheus}/api/v1/write`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-protobuf', 'Content-Encoding': 'snappy', 'X-Prometheus-Remote-Write-Version': '0.1.0' },
      body: compressSnappyBody(encodeWriteRequestV1({ seriesCount: 1, labels: [Labels.fromObject({ __name__: 'bundled_total', job: 'b' })], sampleEnd: [1], t: [now], v: [42] })),
    });
    expect(write.status).toBe(204);
    const promql = (await (await fetch(`http://127.0.0.1:${ports.prometheus}/api/v1/query?query=bundled_total&time=${now / 1000}`)).json()) as { data: { result: { value: [number, string] }[] } };
    expect(promql.data.result.map((r) => r.value[1])).toEqual(['42']);

    const push = await fetch(`http://127.0.0.1:${ports.loki}/loki/api/v1/push`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ streams: [{ stream: { job: 'b' }, values: [[String(now * 1e6), 'hello from the bundle']] }] }),
    });
    expect(push.status).toBe(204);
    const logql = await waitFor(async () => {
      const r = (await (await fetch(`http://127.0.0.1:${ports.loki}/loki/api/v1/query_range?query=${encodeURIComponent('{job="b"} |= "bundle"')}&start=${(now - 60_000) * 1e6}&end=${(now + 60_000) * 1e6}`)).json()) as { data: { result: { values: [string, string][] }[] } };
      return r.data.result.length > 0 ? r : undefined;
    });
    expect(logql.data.result[0].values.map((v) => v[1])).toEqual(['hello from the bundle']);

    const search = await fetch(`http://127.0.0.1:${ports.tempo}/api/search?q=${encodeURIComponent('{ .service.name = "x" }')}`);
    expect(search.status).toBe(200);
    expect(((await search.json()) as { traces: unknown[] }).traces).toEqual([]);
  }, 60_000);
});

import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, tempDir, waitFor } from './helpers/process.js';

/**
 * The agent's bundle (scripts/bundle-agent.mjs, built by `npm run build` into dist/agent-bundle and loaded by the
 * CLI for `--target agent`): built here into a directory laid out as the repository is (package.json, node_modules),
 * then run as the CLI runs it. The same zod schemas refuse a bad promtail.yaml at its path, and a good one ships.
 */
describe('the agent bundle', () => {
  let root: string;
  let entry: string;
  let sink: Server;
  let sinkPort = 0;
  let posts = 0;

  beforeAll(async () => {
    root = tempDir('agent-bundle-');
    symlinkSync(join(REPO_ROOT, 'node_modules'), join(root, 'node_modules'));
    copyFileSync(join(REPO_ROOT, 'package.json'), join(root, 'package.json'));
    const out = join(root, 'dist', 'agent-bundle');
    execFileSync(process.execPath, [join(REPO_ROOT, 'scripts/bundle-agent.mjs'), out], { stdio: ['ignore', 'ignore', 'inherit'] });
    entry = join(out, 'run.js');
    sink = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        posts++;
        res.statusCode = 204;
        res.end();
      });
    });
    await new Promise<void>((r) => sink.listen(0, '127.0.0.1', r));
    sinkPort = (sink.address() as { port: number }).port;
  }, 60_000);

  afterAll(async () => {
    await new Promise((r) => sink.close(r));
    rmSync(root, { recursive: true, force: true });
  });

  function run(config: string, nodeArgs: string[] = []): { pid: number; exited: Promise<number | null>; stderr: () => string; kill: () => void } {
    const child = spawn(process.execPath, [...nodeArgs, entry, '--target', 'agent', '--promtail.config', config, '--data-dir', join(root, 'data')], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    return { pid: child.pid!, exited, stderr: () => err, kill: () => child.kill('SIGTERM') };
  }

  /** A log file of `lines` CRI lines and a promtail.yaml that ships it to the sink; `acknowledged` is its final position. */
  function shippingConfig(name: string, line: string, lines: number, stages: string, scrapeExtra = '') {
    const logs = join(root, `logs${name}`);
    mkdirSync(logs);
    const text = `2026-12-05T10:00:00.000000000Z stdout F ${line}\n`.repeat(lines);
    writeFileSync(join(logs, 'a.log'), text);
    const positions = join(root, `positions${name}.yaml`);
    const file = join(root, `promtail${name}.yaml`);
    writeFileSync(
      file,
      `server: {http_listen_address: 127.0.0.1, http_listen_port: 0}
positions: {filename: ${positions}}
clients: [{url: "http://127.0.0.1:${sinkPort}/loki/api/v1/push", batchwait: 100ms}]
scrape_configs:
  - job_name: t
    pipeline_stages: ${stages}
    static_configs: [{labels: {job: t, __path__: "${logs}/*.log"}}]${scrapeExtra}
`,
    );
    return { file, positions, acknowledged: `${join(logs, 'a.log')}: "${Buffer.byteLength(text)}"` };
  }

  it('holds the agent alone: no locale of zod, the other targets left to tsc\'s output', () => {
    const dir = join(root, 'dist', 'agent-bundle');
    const code = readdirSync(dir)
      .filter((f) => f.endsWith('.js'))
      .map((f) => readFileSync(join(dir, f), 'utf8'))
      .join('\n');
    expect(code).toContain('positions');
    // zod's German locale ("Ungültige Eingabe"): tree-shaken out with every other locale.
    expect(code).not.toContain('Ungültig');
    // The CommonJS packages left to node_modules are required, not imported (no WebAssembly lexer at start).
    expect(code).not.toMatch(/from\s*["'](pino|snappy)["']/);
    expect(code).toMatch(/\(["']pino["']\)/);
    // The native snappy addon is not loaded by the bundle at all: the agent compresses its pushes in TypeScript,
    // and the logs modules' snappy calls it holds are tree-shaken once required lazily (scripts/bundle-agent.mjs).
    expect(code).not.toMatch(/\(["']snappy["']\)/);
    expect(code).toContain('import("../metrics/index.js")');
    // Latin-1 only: one character above U+00FF (a Greek μ in a regular expression) and V8 keeps the whole file's
    // source, which it holds for lazy compilation, in two bytes per character.
    expect(code.match(/[\u0100-\uffff]/g) ?? []).toEqual([]);
    // No WebAssembly: `long` (reached through src/lib/protobuf's index, unused by the agent) compiles a module at
    // load, which starts V8's WebAssembly engine (~0.6 MB of the node binary resident, docs/agent.md, Figures).
    expect(code).not.toContain('WebAssembly');
  });

  it('refuses an unknown key at its path, as the unbundled CLI does', async () => {
    const file = join(root, 'bad.yaml');
    writeFileSync(file, 'positions: {filename: /tmp/x, sync_periodd: 1s}\n');
    const s = run(file);
    expect(await s.exited).toBe(1);
    expect(s.stderr()).toContain(`invalid configuration: ${file}: positions.sync_periodd: unknown key "sync_periodd"`);
  }, 30_000);

  it('tails a file and ships it; positions follow the acknowledgement; https, tls, crypto, WebAssembly, toISOString and the snappy addon are never used', async () => {
    const { file, positions, acknowledged } = shippingConfig('', 'hello from the bundle', 20, '[{cri: {}}]');
    // The built-ins the process loaded, written at its exit: an agent shipping over http with no TLS listener,
    // no hashing relabel and no basic auth never needs https/tls/crypto (~1 MB resident, docs/agent.md, Figures).
    const loaded = join(root, 'loaded.json');
    const probe = join(root, 'probe.cjs');
    // And the calls that keep more of the node binary resident: `Date.prototype.toISOString` (V8 sets up its
    // time-zone cache through ICU, ~0.8 MB) and compiling WebAssembly (V8's WebAssembly engine, ~0.6 MB).
    writeFileSync(
      probe,
      `const used = [];
const toISOString = Date.prototype.toISOString;
Date.prototype.toISOString = function () { used.push('toISOString'); return toISOString.call(this); };
const { Module, Instance } = WebAssembly;
WebAssembly.Module = function (...a) { used.push('WebAssembly.Module'); return new Module(...a); };
WebAssembly.Instance = function (...a) { used.push('WebAssembly.Instance'); return new Instance(...a); };
process.on('exit', () => {
  const snappy = require('fs').readFileSync('/proc/self/maps', 'utf8').includes('snappy');
  require('fs').writeFileSync(${JSON.stringify(loaded)}, JSON.stringify({ modules: process.moduleLoadList, used, snappy }));
});
`,
    );
    const s = run(file, ['--require', probe]);
    try {
      await waitFor(() => s.stderr().includes('Sightline started'), 20_000, 'the agent to start');
      await waitFor(() => existsSync(positions) && readFileSync(positions, 'utf8').includes(acknowledged), 20_000, 'the position at the end of the file');
      expect(posts).toBeGreaterThan(0);
    } finally {
      s.kill();
      await s.exited;
    }
    const { modules, used, snappy } = JSON.parse(readFileSync(loaded, 'utf8')) as { modules: string[]; used: string[]; snappy: boolean };
    expect(s.stderr()).toContain('"msg":"Sightline started"');
    expect([...new Set(used)]).toEqual([]);
    // The push bodies are compressed in TypeScript: the native snappy addon (~5 MB resident once loaded) is never
    // mapped, and the logs modules the bundle holds load it only when they call it (scripts/bundle-agent.mjs).
    expect(snappy).toBe(false);
    expect(modules).toContain('NativeModule http');
    for (const builtin of ['https', 'tls', 'crypto']) expect(modules).not.toContain(`NativeModule ${builtin}`);
  }, 60_000);

  it('drops its configuration\'s zod schemas once started: they are garbage while it tails and ships', async () => {
    const stages = `[{cri: {}}, {labels: {stream: }}, {match: {selector: '{job="t"}', stages: [{regex: {expression: '(?P<x>.)'}}]}}]`;
    const { file, positions, acknowledged } = shippingConfig('-zod', 'schemas are garbage', 5, stages, '\n    relabel_configs: [{source_labels: [job], target_label: j}]');
    // Every zod schema the process creates (zod gives each its \`_zod\` with Object.defineProperty), counted while
    // alive through weak references; on SIGUSR2, after a full collection, how many of them are still alive.
    const counts = join(root, 'zod.json');
    const probe = join(root, 'zod-probe.cjs');
    writeFileSync(
      probe,
      `const refs = [];
const defineProperty = Object.defineProperty;
Object.defineProperty = function (o, key, d) {
  if (key === '_zod') refs.push(new WeakRef(o));
  return defineProperty(o, key, d);
};
process.on('SIGUSR2', () => {
  setImmediate(() => {
    gc();
    require('fs').writeFileSync(${JSON.stringify(counts)}, JSON.stringify({ created: refs.length, alive: refs.filter((r) => r.deref() !== undefined).length }));
  });
});
`,
    );
    const s = run(file, ['--expose-gc', '--require', probe]);
    try {
      await waitFor(() => s.stderr().includes('Sightline started'), 20_000, 'the agent to start');
      await waitFor(() => existsSync(positions) && readFileSync(positions, 'utf8').includes(acknowledged), 20_000, 'the position at the end of the file');
      process.kill(s.pid, 'SIGUSR2');
      await waitFor(() => existsSync(counts), 10_000, 'the probe\'s counts');
    } finally {
      s.kill();
      await s.exited;
    }
    const { created, alive } = JSON.parse(readFileSync(counts, 'utf8')) as { created: number; alive: number };
    // sightline.yaml's sections, promtail.yaml's schema with its stages, relabelling and service discovery: ~1,600
    // schemas, all alive when they were module constants. What stays is zod's own: one instance per schema class.
    expect(created).toBeGreaterThan(1000);
    expect(alive).toBeLessThan(created * 0.2);
  }, 60_000);
});

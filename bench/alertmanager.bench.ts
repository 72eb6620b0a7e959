/**
 * Alertmanager figures (JSON lines), Sightline's `--target alertmanager` (the built CLI, a child process) and the
 * real Alertmanager 0.25 (when installed) on the same input, both running, taking turns:
 *
 * 1. ingest: `POST /api/v2/alerts` of ALERTS_BENCH_ALERTS (default 10k) alerts in 500 groups, re-sent
 *    ALERTS_BENCH_ROUNDS times (as a rule evaluator re-sends firing alerts) in batches of 256 by 4 concurrent
 *    senders → alerts/s;
 * 2. notification latency with those 10k alerts active in 500 groups (flushed to a loopback webhook every
 *    `group_interval`): ALERTS_BENCH_PROBES alerts, one at a time, each in a new group on a route with
 *    `group_wait: 0s`, timed from the POST until the webhook receives it → median, p90 and max ms;
 * 3. memory: RSS once ALERTS_BENCH_MEMORY_ALERTS (default 100k) alerts are active (500 groups).
 *
 * SIGHTLINE_CHILD_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") is passed to Sightline's Node;
 * ALERTS_BENCH_VERBOSE=1 prints every probe's latency.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { alertmanagerAvailable, startRealAlertmanager } from '../test/helpers/alertmanager-peer.js';
import { freePort, tempDir } from '../test/helpers/process.js';
import { sightlineEntry } from './sightline-entry.js';

const ALERTS = Number(process.env.ALERTS_BENCH_ALERTS ?? 10_000);
const ROUNDS = Number(process.env.ALERTS_BENCH_ROUNDS ?? 5);
const PROBES = Number(process.env.ALERTS_BENCH_PROBES ?? 30);
const MEMORY_ALERTS = Number(process.env.ALERTS_BENCH_MEMORY_ALERTS ?? 100_000);
const GROUPS = 500;
const BATCH = 256;
const SENDERS = 4;
const report = (o: Record<string, unknown>) => console.log(JSON.stringify(o));
const rssOf = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
const mb = (bytes: number) => Math.round(bytes / 1048576);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Alerts `from`..`to`-1, as JSON bodies of BATCH alerts. */
function batches(from: number, to: number): string[] {
  const now = new Date().toISOString();
  const out: string[] = [];
  for (let b = from; b < to; b += BATCH) {
    const alerts = [];
    for (let i = b; i < Math.min(b + BATCH, to); i++) {
      alerts.push({
        labels: { alertname: `Bench${i % GROUPS}`, instance: `host-${i}:9100`, job: 'node', severity: i % 3 ? 'warning' : 'critical' },
        annotations: { summary: `instance host-${i} is down`, description: 'bench alert' },
        startsAt: now,
        generatorURL: `http://prometheus.example:9090/graph?g0.expr=up%3D%3D0&i=${i}`,
      });
    }
    out.push(JSON.stringify(alerts));
  }
  return out;
}

async function post(url: string, body: string): Promise<void> {
  const res = await fetch(`${url}/api/v2/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  if (res.status !== 200) throw new Error(`POST /api/v2/alerts: ${res.status} ${await res.text()}`);
  await res.arrayBuffer();
}

async function send(url: string, bodies: string[]): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: SENDERS }, async () => {
      while (next < bodies.length) await post(url, bodies[next++]!);
    }),
  );
}

/** The loopback webhook: counts notifications; resolves the waiter of each probe alert it sees. */
async function startSink() {
  const waiting = new Map<string, (at: number) => void>();
  let notifications = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const at = performance.now();
      notifications++;
      if (req.url === '/probe') {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { alerts: { labels: Record<string, string> }[] };
        for (const a of body.alerts) waiting.get(a.labels.probe)?.(at);
      }
      res.end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const addr = server.address();
  return {
    url: `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`,
    notifications: () => notifications,
    until: (probe: string) => new Promise<number>((resolve) => waiting.set(probe, resolve)),
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

type Sink = Awaited<ReturnType<typeof startSink>>;
const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;

interface System {
  name: string;
  url: string;
  pid: number;
  idleRss: number;
  ingestMs: number;
  latencies: number[];
}

/** Sightline's `--target alertmanager` from the built CLI; resolves once ready. */
async function startSightline(dir: string, amYml: string): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  writeFileSync(join(dir, 'sightline.yaml'), `alertmanager:\n  listen_address: 127.0.0.1:${port}\n`);
  const nodeArgs = (process.env.SIGHTLINE_CHILD_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const args = [...nodeArgs, ...sightlineEntry(), '--target', 'alertmanager', '--config.file', join(dir, 'sightline.yaml'), '--alertmanager.config', amYml, '--data-dir', join(dir, 'data'), '--log.level', 'warn'];
  const child: ChildProcess = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'inherit'] });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; !(await fetch(`${url}/-/ready`).catch(() => undefined))?.ok; i++) {
    if (i > 300) throw new Error('sightline did not become ready');
    await sleep(100);
  }
  return { url, child };
}

/** Probe `i` into one system: POST → webhook, in ms. */
async function probe(sys: System, sink: Sink, i: number): Promise<number> {
  const id = `${sys.name}-${i}`;
  const received = sink.until(id);
  const t0 = performance.now();
  await post(sys.url, JSON.stringify([{ labels: { alertname: `Probe${i}`, probe: id }, startsAt: new Date().toISOString() }]));
  const ms = (await received) - t0;
  if (process.env.ALERTS_BENCH_VERBOSE) console.error(`${sys.name} probe ${i}: ${ms.toFixed(1)} ms`);
  return ms;
}

/**
 * Both systems run at once and take turns (ingest round by round, probe by probe), so that the load other
 * processes put on the machine falls on both alike.
 */
async function measure(systems: System[], sink: Sink): Promise<void> {
  const bodies = batches(0, ALERTS);
  for (let r = 0; r < ROUNDS; r++) {
    for (const sys of r % 2 ? [...systems].reverse() : systems) {
      const t0 = performance.now();
      await send(sys.url, bodies);
      sys.ingestMs += performance.now() - t0;
    }
  }
  for (const sys of systems) report({ bench: 'alertmanager-ingest', system: sys.name, alerts: ALERTS, groups: GROUPS, rounds: ROUNDS, alerts_per_sec: Math.round((ALERTS * ROUNDS) / (sys.ingestMs / 1000)) });
  // Let the 500 groups pass group_wait, so that they are flushing every group_interval while probes go in.
  await sleep(1500);
  for (let i = 0; i < PROBES; i++) {
    for (const sys of i % 2 ? [...systems].reverse() : systems) sys.latencies.push(await probe(sys, sink, i));
    await sleep(100);
  }
  const r1 = (x: number) => Math.round(x * 10) / 10;
  for (const sys of systems) {
    report({ bench: 'alertmanager-notification-latency', system: sys.name, active_alerts: ALERTS, groups: GROUPS, probes: PROBES, median_ms: r1(percentile(sys.latencies, 0.5)), p90_ms: r1(percentile(sys.latencies, 0.9)), max_ms: r1(Math.max(...sys.latencies)) });
  }
  const more = batches(ALERTS, MEMORY_ALERTS);
  for (const sys of systems) await send(sys.url, more);
  await sleep(2000);
  const rss = systems.map((sys) => rssOf(sys.pid));
  systems.forEach((sys, i) => report({ bench: 'alertmanager-memory', system: sys.name, active_alerts: MEMORY_ALERTS, groups: GROUPS, idle_rss_mb: mb(sys.idleRss), rss_mb: mb(rss[i]!) }));
  if (systems.length === 2) {
    const [s, a] = systems as [System, System];
    const ratio = (x: number, y: number) => Number((x / y).toFixed(2));
    report({
      bench: 'alertmanager-sightline-vs-0.25',
      alerts_per_sec: ratio(a.ingestMs, s.ingestMs),
      latency_median: ratio(percentile(s.latencies, 0.5), percentile(a.latencies, 0.5)),
      latency_p90: ratio(percentile(s.latencies, 0.9), percentile(a.latencies, 0.9)),
      rss_at_100k: ratio(rss[0]!, rss[1]!),
    });
  }
}

async function main() {
  const dir = tempDir('sightline-am-bench-');
  const sink = await startSink();
  const amYml = join(dir, 'alertmanager.yml');
  writeFileSync(
    amYml,
    [
      'route:',
      '  receiver: hook',
      '  group_by: [alertname]',
      '  group_wait: 1s',
      '  group_interval: 5s',
      '  routes:',
      '    - matchers: [\'probe=~".+"\']',
      '      receiver: probe',
      '      group_wait: 0s',
      'receivers:',
      '  - name: hook',
      '    webhook_configs:',
      `      - url: '${sink.url}/hook'`,
      '  - name: probe',
      '    webhook_configs:',
      `      - url: '${sink.url}/probe'`,
      '',
    ].join('\n'),
  );
  const ours = await startSightline(dir, amYml);
  const real = alertmanagerAvailable() ? await startRealAlertmanager(amYml, dir) : undefined;
  const system = (name: string, url: string, pid: number): System => ({ name, url, pid, idleRss: rssOf(pid), ingestMs: 0, latencies: [] });
  try {
    await measure([system('sightline', ours.url, ours.child.pid!), ...(real ? [system('alertmanager-0.25', real.url, real.pid)] : [])], sink);
  } finally {
    ours.child.kill('SIGTERM');
    await new Promise((r) => ours.child.on('exit', r));
    await real?.stop();
    await sink.close();
  }
}

await main();

/**
 * Rule evaluation, Sightline vs real Prometheus 2.42 on the same data (`npm run bench -- rules`).
 *
 * Data: 100k series `x{job="jobJ",instance="hostI"}` (1,000 jobs of 100), one sample a minute from 3 minutes
 * before the start to 12 minutes after it (values cycling 0-99). Prometheus gets it through `promtool tsdb
 * create-blocks-from openmetrics`; Sightline appends the same samples to its real TSDB in this process.
 * Rules: one file, read by both, 1,000 alerting rules in 10 groups of 100 at a 15 s interval — rule k is
 * `x{job="jobk"} > 95` (about 4 % of the 100 series of its job alert), half with `for: 1m`, a label and a templated
 * annotation — plus a group of three latency probes `vector(time()) > X` whose condition turns true at known times.
 * Both evaluate in real time on their own schedule (the groups' hash-aligned slots) and send to the same fake
 * Alertmanager on loopback (this process).
 *
 * Figures per system:
 *   cpu_s_per_interval: process CPU while the rules run, divided by the number of 15 s intervals evaluated (group
 *     iterations / 10 from `prometheus_rule_group_iterations_total`), minus the idle CPU of the same process
 *     measured for the same time before the rules were loaded (Prometheus: /proc/PID/stat; Sightline:
 *     process.cpuUsage of this process, which holds its TSDB and rule engine);
 *   eval_wall_s_per_interval: sum over the groups of `prometheus_rule_group_last_duration_seconds`;
 *   alert_latency_s: per probe, the time from its condition turning true to the fake Alertmanager receiving it
 *     (mostly the wait for the group's next 15 s slot); after_eval_slot_s: the part after that slot.
 * Prints one JSON line with both and the CPU ratio. Env: RULES_BENCH_SCALE (default 1) scales the series count;
 * RULES_BENCH_WORKERS (default 0) evaluates Sightline's rules in a PromQL query pool of that many workers, as the
 * process does by default (process.cpuUsage counts the workers' threads too); RULES_BENCH_PROMETHEUS=0 skips Prometheus.
 * Figures (2026-12-06, three runs on the loaded 2-core machine): docs/performance.md — Sightline 1.995–2.673 CPU s
 * per interval, Prometheus 1.360–2.088, ratio 0.96–1.97 (median 1.44).
 */
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { loadPrometheusConfig } from '../src/metrics/promconfig/index.js';
import { Engine, PooledEngine, QueryPool, formatQuery } from '../src/metrics/promql/index.js';
import { Tsdb } from '../src/metrics/tsdb/index.js';
import { Labels } from '../src/model/index.js';
import { Notifier, RuleManager, evalTimestamp, groupHash, promqlRuleEngine, toNotifierAlerts, validatePromql } from '../src/rules/index.js';
import { Registry, silentLogger } from '../src/server/index.js';
import { freePort } from '../test/helpers/prometheus.js';
import { tempDir, waitFor } from '../test/helpers/process.js';
import { processCpuSeconds } from './process-cpu.js';

const SCALE = Number(process.env.RULES_BENCH_SCALE ?? '1');
const WORKERS = Number(process.env.RULES_BENCH_WORKERS ?? '0');
const N_SERIES = Math.round(100_000 * SCALE);
const N_JOBS = 1000;
const N_RULES = 1000;
const GROUPS = 10;
const INTERVAL = 15_000;
const SAMPLE_STEP = 60_000;
const T0 = Math.floor(Date.now() / SAMPLE_STEP) * SAMPLE_STEP;
const DATA_START = T0 - 3 * 60_000;
const DATA_END = T0 + 12 * 60_000;
/** Group iterations measured per system: 4 intervals of every group. */
const MEASURE_INTERVALS = 4;
const IDLE_MS = 20_000;
const PROBES = 3;

const dir = tempDir('sightline-rules-bench-');
const rulesFile = join(dir, 'rules.yml');
const promYml = join(dir, 'prometheus.yml');

function valueAt(i: number, t: number): number {
  return (i * 7 + t / SAMPLE_STEP) % 100;
}

function writeOpenMetrics(path: string): void {
  const fd = openSync(path, 'w');
  let buf = '# TYPE x unknown\n';
  for (let i = 0; i < N_SERIES; i++) {
    const head = `x{job="job${i % N_JOBS}",instance="host${i}"}`;
    for (let t = DATA_START; t <= DATA_END; t += SAMPLE_STEP) buf += `${head} ${valueAt(i, t)} ${t / 1000}\n`;
    if (buf.length > 1 << 20) {
      writeSync(fd, buf);
      buf = '';
    }
  }
  writeSync(fd, buf + '# EOF\n');
  closeSync(fd);
}

/** The rule file both read; the latency probes turn true at `probeAt` (ms). */
function writeRules(probeAt: number[]): void {
  const per = N_RULES / GROUPS;
  let yaml = 'groups:\n';
  for (let g = 0; g < GROUPS; g++) {
    yaml += `- name: g${g}\n  interval: 15s\n  rules:\n`;
    for (let r = 0; r < per; r++) {
      const k = g * per + r;
      yaml += `  - alert: A${k}\n    expr: x{job="job${k % N_JOBS}"} > 95\n${k % 2 ? '    for: 1m\n' : ''}    labels: {severity: warning}\n    annotations: {summary: "{{ $labels.instance }} at {{ $value | humanize }}"}\n`;
    }
  }
  yaml += '- name: latency\n  interval: 15s\n  rules:\n';
  probeAt.forEach((at, i) => (yaml += `  - alert: Probe${i}\n    expr: vector(time()) > ${at / 1000}\n`));
  writeFileSync(rulesFile, yaml);
}

/** The fake Alertmanager: first arrival time of every alert name. */
async function startFakeAlertmanager(): Promise<{ port: number; firstSeen: Map<string, number>; close: () => void }> {
  const firstSeen = new Map<string, number>();
  const server = createServer((req, res) => {
    let b = '';
    req.on('data', (c: Buffer) => (b += c.toString()));
    req.on('end', () => {
      const now = Date.now();
      for (const a of JSON.parse(b) as Array<{ labels: Record<string, string> }>) if (!firstSeen.has(a.labels.alertname)) firstSeen.set(a.labels.alertname, now);
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as AddressInfo).port, firstSeen, close: () => server.close() };
}

function metricSumWhere(text: string, name: string, labelPart: string): number {
  let sum = 0;
  for (const line of text.split('\n')) if (line.startsWith(`${name}{`) && line.includes(labelPart)) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  return sum;
}

interface Figures {
  cpu_s_per_interval: number;
  idle_cpu_s_per_interval: number;
  eval_wall_s_per_interval: number;
  intervals_measured: number;
  alerts_firing_or_pending: number;
  /** From the probe's condition turning true to the fake Alertmanager receiving it. */
  alert_latency_s: number[];
  /** Of that, the part after the group's first evaluation slot following the change (evaluation, queue, HTTP). */
  after_eval_slot_s: number[];
}

/** Waits until `k` more intervals' worth of iterations of the 10 bench groups have run; returns the count. */
async function waitIterations(read: () => Promise<number>, from: number, k: number): Promise<number> {
  return waitFor(async () => {
    const n = await read();
    return n - from >= k * GROUPS ? n : undefined;
  }, (k + 2) * INTERVAL, 'rule group iterations');
}

function probeTimes(after: number): number[] {
  return Array.from({ length: PROBES }, (_, i) => after + 8_000 + i * 19_000);
}

function latencies(firstSeen: Map<string, number>, probeAt: number[]): { alert_latency_s: number[]; after_eval_slot_s: number[] } {
  // The latency group's slots: both align groups alike (interval offset by the hash of file and group name).
  const h = groupHash(rulesFile, 'latency');
  const seen = (i: number) => firstSeen.get(`Probe${i}`) ?? NaN;
  return {
    alert_latency_s: probeAt.map((at, i) => Number(((seen(i) - at) / 1000).toFixed(3))),
    after_eval_slot_s: probeAt.map((at, i) => Number(((seen(i) - (evalTimestamp(h, INTERVAL, at) + INTERVAL)) / 1000).toFixed(3))),
  };
}

interface System {
  /** Process CPU seconds so far. */
  cpu: () => number;
  /** The system's own metrics text. */
  metrics: () => Promise<string>;
  /** Starts evaluating the rule file (already written). */
  loadRules: () => Promise<void>;
  activeAlerts: () => Promise<number>;
  firstSeen: Map<string, number>;
}

/** Idle CPU, then the rules loaded, two intervals of warm-up, the measured intervals, and the probes' arrival. */
async function measure(sys: System): Promise<Figures> {
  const idle0 = sys.cpu();
  await new Promise((r) => setTimeout(r, IDLE_MS));
  const idlePerInterval = ((sys.cpu() - idle0) / IDLE_MS) * INTERVAL;
  const probeAt = probeTimes(Date.now() + 2 * INTERVAL);
  writeRules(probeAt);
  await sys.loadRules();
  const iterations = async () => metricSumWhere(await sys.metrics(), 'prometheus_rule_group_iterations_total', ';g');
  // Warm-up: two intervals (the first evaluation of each group, the restore after the second).
  const w = await waitIterations(iterations, 0, 2);
  const c0 = sys.cpu();
  const n = await waitIterations(iterations, w, MEASURE_INTERVALS);
  const c1 = sys.cpu();
  const text = await sys.metrics();
  const intervals = (n - w) / GROUPS;
  await waitFor(() => sys.firstSeen.has(`Probe${PROBES - 1}`), 60_000, 'the last probe at the Alertmanager');
  return {
    cpu_s_per_interval: Number(((c1 - c0) / intervals - idlePerInterval).toFixed(3)),
    idle_cpu_s_per_interval: Number(idlePerInterval.toFixed(3)),
    eval_wall_s_per_interval: Number(metricSumWhere(text, 'prometheus_rule_group_last_duration_seconds', ';g').toFixed(3)),
    intervals_measured: intervals,
    alerts_firing_or_pending: await sys.activeAlerts(),
    ...latencies(sys.firstSeen, probeAt),
  };
}

async function runPrometheus(amPort: number, firstSeen: Map<string, number>): Promise<Figures | string> {
  if (spawnSync('prometheus', ['--version']).status !== 0 || spawnSync('promtool', ['--version']).status !== 0) return 'not installed';
  const om = join(dir, 'data.om');
  const t0 = performance.now();
  writeOpenMetrics(om);
  const imp = spawnSync('promtool', ['tsdb', 'create-blocks-from', 'openmetrics', om, join(dir, 'prom-tsdb')], { encoding: 'utf8' });
  if (imp.status !== 0) throw new Error(`promtool: ${imp.stderr}`);
  console.error(`prometheus: data imported in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const port = await freePort();
  writeFileSync(promYml, `global: { evaluation_interval: 15s }\nalerting:\n  alertmanagers: [{ static_configs: [{ targets: ['127.0.0.1:${amPort}'] }] }]\n`);
  const prom = spawn('prometheus', [`--config.file=${promYml}`, `--storage.tsdb.path=${join(dir, 'prom-tsdb')}`, `--web.listen-address=127.0.0.1:${port}`, '--storage.tsdb.retention.time=100y', '--web.enable-lifecycle'], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  const cpu = () => processCpuSeconds(prom.pid!);
  const metrics = async () => (await fetch(`${url}/metrics`)).text();
  try {
    await waitFor(async () => (await fetch(`${url}/-/ready`)).ok, 120_000, 'prometheus ready');
    return await measure({
      cpu,
      metrics,
      loadRules: async () => {
        writeFileSync(promYml, `rule_files: [${JSON.stringify(rulesFile)}]\n` + readFileSync(promYml, 'utf8'));
        const rel = await fetch(`${url}/-/reload`, { method: 'POST' });
        if (!rel.ok) throw new Error(`prometheus reload: ${await rel.text()}`);
      },
      activeAlerts: async () => ((await (await fetch(`${url}/api/v1/alerts`)).json()) as { data: { alerts: unknown[] } }).data.alerts.length,
      firstSeen,
    });
  } finally {
    prom.kill('SIGTERM');
    await new Promise((r) => prom.once('exit', r));
  }
}

async function runSightline(amPort: number, firstSeen: Map<string, number>): Promise<Figures> {
  const t0 = performance.now();
  const tsdb = await Tsdb.open({ dir: join(dir, 'sightline-tsdb'), retentionMs: 0, retentionBytes: 0, minBlockDurationMs: 2 * 3600_000 });
  for (let i = 0; i < N_SERIES; i += 1000) {
    const app = tsdb.appender();
    for (let j = i; j < Math.min(N_SERIES, i + 1000); j++) {
      const l = Labels.fromObject({ __name__: 'x', job: `job${j % N_JOBS}`, instance: `host${j}` });
      for (let t = DATA_START; t <= DATA_END; t += SAMPLE_STEP) app.append(0, l, t, valueAt(j, t));
    }
    await app.commit();
  }
  console.error(`sightline: data appended in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const registry = new Registry();
  writeRules([]);
  writeFileSync(promYml, `global: { evaluation_interval: 15s }\nrule_files: [${JSON.stringify(rulesFile)}]\nalerting:\n  alertmanagers: [{ static_configs: [{ targets: ['127.0.0.1:${amPort}'] }] }]\n`);
  const cfg = loadPrometheusConfig(promYml);
  const notifier = new Notifier(cfg.alerting, { registry, logger: silentLogger(), queueCapacity: 10_000, externalLabels: Labels.EMPTY });
  const pool = WORKERS > 0 ? new QueryPool({ workers: WORKERS }) : undefined;
  const engine = pool ? new PooledEngine(pool, tsdb, { lookbackDelta: 300_000 }) : new Engine(tsdb, { lookbackDelta: 300_000 });
  // The worker loads its modules now, not in the idle measurement.
  await engine.instantQuery('1', 0);
  const mgr = new RuleManager({
    engine: promqlRuleEngine(engine, formatQuery),
    appendable: tsdb,
    queryable: tsdb,
    notify: (expr, alerts) => notifier.send(toNotifierAlerts('http://bench:9090', expr, alerts)),
    registry,
    logger: silentLogger(),
    validateExpr: validatePromql,
    externalLabels: Labels.EMPTY,
    externalURL: 'http://bench:9090',
    evaluationInterval: INTERVAL,
    resendDelay: 60_000,
    outageTolerance: 3600_000,
    forGracePeriod: 600_000,
  });
  const cpu = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1e6;
  };
  const metrics = async () => registry.metrics();
  try {
    global.gc?.();
    return await measure({ cpu, metrics, loadRules: () => mgr.update(RuleManager.expandFiles(cfg.rule_files).files), activeAlerts: async () => mgr.alerts().length, firstSeen });
  } finally {
    await mgr.stop();
    notifier.stop();
    await pool?.close();
    await tsdb.close();
  }
}

async function main(): Promise<void> {
  const promAm = await startFakeAlertmanager();
  const prometheus = process.env.RULES_BENCH_PROMETHEUS === '0' ? 'skipped' : await runPrometheus(promAm.port, promAm.firstSeen);
  promAm.close();
  const oursAm = await startFakeAlertmanager();
  const sightline = await runSightline(oursAm.port, oursAm.firstSeen);
  oursAm.close();
  const ratio = typeof prometheus === 'string' ? undefined : Number((sightline.cpu_s_per_interval / prometheus.cpu_s_per_interval).toFixed(2));
  console.log(
    JSON.stringify({
      bench: 'rules_eval_vs_prometheus',
      rules: N_RULES,
      groups: GROUPS,
      series: N_SERIES,
      sightline_rule_workers: WORKERS,
      interval_seconds: INTERVAL / 1000,
      sightline,
      prometheus,
      cpu_ratio_sightline_over_prometheus: ratio,
    }),
  );
}

await main();

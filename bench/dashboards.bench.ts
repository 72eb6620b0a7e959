/**
 * Dashboard figures, measured in Debian's Chromium (playwright-core): the bytes the lazy dashboard route adds, and
 * the time from navigation to every panel drawn for a 30-panel dashboard over 1,000 series × 6 h (24 time series
 * panels of 40 series, 4 stats of 10, 2 gauges of 5), first load and reload. The upstream is a synthetic
 * Prometheus API answering query_range from the request's grid (`series:N` gives N series), so the figure is the
 * app's cost (queries through the datasource proxy, parsing, layout, drawing), not a query engine's.
 *
 * Then grafana.com dashboard 315 (test/fixtures/dashboards), imported unchanged into the real all-in-one Sightline
 * over the cAdvisor fixture replayed as 30 minutes of samples: first graph and all panels drawn, first load and
 * reload, and the server's CPU time per dashboard refresh (the refresh button: every panel's query through the
 * datasource proxy and the query engine), read from /proc/<pid>/stat of the Sightline process.
 *
 *   npm run bench -- dashboards
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Page } from 'playwright-core';
import { REPO_ROOT } from '../test/helpers/process.js';
import { buildWebApp, stopSightline } from '../test/ui-browser.js';
import { cadvisorSeries, startDashboardStack } from '../test/ui-dashboards-stack.js';
import { processCpuSeconds } from './process-cpu.js';
import { startBenchUi, startSyntheticUpstream } from './ui-bench-server.js';

const RUNS = 5;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const answers = new Map<string, string>();
/** Queries received since the last measurement: each panel must query once per load. */
let received = 0;

/** query_range: `series:N` as N sine series on the request's step grid; instant queries one sample per series. */
function answer(path: string, p: URLSearchParams, res: ServerResponse): unknown {
  received++;
  const n = Number(/^series:(\d+)$/.exec(p.get('query') ?? '')?.[1] ?? 0);
  const out: string[] = [];
  if (path.endsWith('/query_range')) {
    const start = Number(p.get('start'));
    const end = Number(p.get('end'));
    const step = Number(p.get('step'));
    // the same query over the same grid answers the same text: made once (the upstream is not what is measured)
    const key = `${n}|${start}|${end}|${step}`;
    let text = answers.get(key);
    if (text === undefined) {
      for (let s = 0; s < n; s++) {
        const vals: string[] = [];
        for (let t = start, i = 0; t <= end; t += step, i++) vals.push(`[${t},"${(Math.sin(i / 40 + s) * 50 + 60 + s).toFixed(3)}"]`);
        out.push(`{"metric":{"__name__":"synthetic","series":"s${s}"},"values":[${vals.join(',')}]}`);
      }
      text = `{"status":"success","data":{"resultType":"matrix","result":[${out.join(',')}]}}`;
      answers.set(key, text);
    }
    res.setHeader('content-type', 'application/json');
    return res.end(text);
  }
  const time = Number(p.get('time') ?? Date.now() / 1000);
  for (let s = 0; s < n; s++) out.push(`{"metric":{"series":"s${s}"},"value":[${time},"${50 + s}"]}`);
  res.setHeader('content-type', 'application/json');
  res.end(`{"status":"success","data":{"resultType":"vector","result":[${out.join(',')}]}}`);
}

/** 30 panels on the grid: 24 time series (two per line), then 4 stats and 2 gauges. */
function benchDashboard(): Record<string, unknown> {
  const panels: Record<string, unknown>[] = [];
  let id = 1;
  for (let i = 0; i < 24; i++) panels.push({ id: id++, type: 'timeseries', title: `Series ${i}`, gridPos: { x: (i % 2) * 12, y: Math.floor(i / 2) * 8, w: 12, h: 8 }, targets: [{ refId: 'A', expr: 'series:40' }], fieldConfig: { defaults: { unit: 'reqps' } } });
  for (let i = 0; i < 6; i++) {
    const gauge = i >= 4;
    panels.push({ id: id++, type: gauge ? 'gauge' : 'stat', title: `${gauge ? 'Gauge' : 'Stat'} ${i}`, gridPos: { x: i * 4, y: 96, w: 4, h: 5 }, targets: [{ refId: 'A', expr: gauge ? 'series:5' : 'series:10', instant: !gauge }], options: { reduceOptions: { calcs: ['lastNotNull'] } } });
  }
  return { uid: 'bench30', title: 'Bench 30 panels', schemaVersion: 39, time: { from: 'now-6h', to: 'now' }, panels };
}

const webDir = await buildWebApp();
const assets = readdirSync(join(webDir, 'assets'));
const size = (files: string[]) => files.reduce((a, f) => {
  const b = readFileSync(join(webDir, 'assets', f));
  return { raw: a.raw + b.length, gzip: a.gzip + gzipSync(b, { level: 9 }).length };
}, { raw: 0, gzip: 0 });
console.log(JSON.stringify({ bench: 'dashboards', figure: 'dashboard_chunk_bytes', ...size(assets.filter((f) => f.startsWith('DashboardPage-'))), files: assets.filter((f) => f.startsWith('DashboardPage-')) }));

const upstream = await startSyntheticUpstream(answer);
const upPort = upstream.port;
const { base, ctx, close } = await startBenchUi(webDir, [{ name: 'Synthetic', uid: 'synth', type: 'prometheus', url: `http://127.0.0.1:${upPort}`, isDefault: true, jsonData: { timeInterval: '15s' } }]);
const saved = await ctx.request.post(`${base}/api/dashboards/db`, { data: { dashboard: benchDashboard(), overwrite: true } });
if (!saved.ok()) throw new Error(`save: ${saved.status()} ${await saved.text()}`);
const page = ctx.pages()[0] ?? (await ctx.newPage());

interface Drawn {
  all: number;
  first: number;
  panels: number;
  errors: number;
  legends: number;
}

/**
 * Wait until a page expression is true, polled with evaluate: the app's CSP forbids the eval that waitForFunction
 * uses for a string predicate. The figures come from the page's own performance marks, so polling adds nothing.
 */
async function until(on: Page, expr: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while ((await on.evaluate(expr)) !== true) {
    if (Date.now() > deadline) throw new Error(`not true within 60 s: ${expr}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Milliseconds from navigation start to the first graph drawn and to every panel drawn, with what the page shows. */
async function drawn(on: Page, load: () => Promise<unknown>): Promise<Drawn> {
  await load();
  await until(on, `document.querySelector('[data-testid=dashboard-grid]')?.getAttribute('data-all-drawn') === 'true'`);
  return (await on.evaluate(`(() => {
    const all = performance.getEntriesByName('sightline:dashboard-drawn')[0];
    const first = performance.getEntriesByName('sightline:graph-drawn')[0];
    return { all: all.startTime, first: first.startTime, panels: all.detail.panels, errors: document.querySelectorAll('[data-testid=panel-error]').length, legends: document.querySelectorAll('[data-testid=graph-legend] li').length };
  })()`)) as Drawn;
}

/** As `drawn`, checking the 30-panel dashboard's panel, legend and query counts. */
async function measure(load: () => Promise<unknown>): Promise<{ first: number; all: number }> {
  received = 0;
  const m = await drawn(page, load);
  if (m.panels !== 30 || m.errors !== 0 || m.legends !== 24 * 40 || received !== 30) throw new Error(`unexpected dashboard state: ${JSON.stringify({ ...m, received })}`);
  return { first: m.first, all: m.all };
}

const cold = await measure(() => page.goto(`${base}/d/bench30/bench-30-panels`));
const warm: { first: number; all: number }[] = [];
for (let i = 0; i < RUNS; i++) warm.push(await measure(() => page.reload()));
console.log(
  JSON.stringify({
    bench: 'dashboards',
    figure: 'dashboard_30_panels_1000_series_6h_ms',
    first_load: { first_graph: Math.round(cold.first), all_panels: Math.round(cold.all) },
    reload_median: { first_graph: Math.round(median(warm.map((w) => w.first))), all_panels: Math.round(median(warm.map((w) => w.all))) },
    runs: RUNS,
  }),
);

await close();
upstream.close();

// Dashboard 315 on the real stack.
const k8s = JSON.parse(readFileSync(join(REPO_ROOT, 'test/fixtures/dashboards/kubernetes-cluster-monitoring-315.json'), 'utf8')) as unknown;
const stack = await startDashboardStack('bench-password', cadvisorSeries(Date.now() - 5_000), [k8s]);
const url = `${stack.base}${stack.urls[0]}?from=now-30m&to=now&refresh=`;
const check = (m: Drawn) => {
  if (m.panels !== 13 || m.errors !== 0) throw new Error(`unexpected 315 state: ${JSON.stringify(m)}`);
  return m;
};
const k8sCold = check(await drawn(stack.page, () => stack.page.goto(url)));
const k8sWarm: Drawn[] = [];
for (let i = 0; i < RUNS; i++) k8sWarm.push(check(await drawn(stack.page, () => stack.page.reload())));

/** utime + stime of the Sightline process, in milliseconds (clock ticks of 10 ms). */
const cpuMs = () => processCpuSeconds(stack.sightline.child.pid!) * 1000;
const REFRESHES = 20;
const marks = () => stack.page.evaluate(`performance.getEntriesByName('sightline:dashboard-drawn').length`) as Promise<number>;
const cpu0 = cpuMs();
const t0 = performance.now();
for (let i = 0; i < REFRESHES; i++) {
  const before = await marks();
  await stack.page.click('[data-testid=dashboard-refresh]');
  await until(stack.page, `performance.getEntriesByName('sightline:dashboard-drawn').length > ${before} && document.querySelector('[data-testid=dashboard-grid]')?.getAttribute('data-all-drawn') === 'true'`);
}
const wall = performance.now() - t0;
const cpu = cpuMs() - cpu0;
console.log(
  JSON.stringify({
    bench: 'dashboards',
    figure: 'dashboard_315_kubernetes_ms',
    panels: k8sCold.panels,
    first_load: { first_graph: Math.round(k8sCold.first), all_panels: Math.round(k8sCold.all) },
    reload_median: { first_graph: Math.round(median(k8sWarm.map((w) => w.first))), all_panels: Math.round(median(k8sWarm.map((w) => w.all))) },
    goal_all_panels_ms: 1500,
    runs: RUNS,
  }),
);
console.log(JSON.stringify({ bench: 'dashboards', figure: 'dashboard_315_server_cpu_per_refresh_ms', cpu_ms: Math.round(cpu / REFRESHES), wall_ms: Math.round(wall / REFRESHES), refreshes: REFRESHES }));
await stack.browser.close();
await stopSightline(stack.sightline);

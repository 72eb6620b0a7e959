/**
 * Web UI figures, measured in Debian's Chromium (playwright-core): the app's bundle size (gzip) in all and per route
 * (the lazy chunks a route loads), time to interactive of Home and Explore (first load with an empty cache, and
 * cached), the time to fetch and draw a graph of 500 series × 1,000 points, a log view of 5,000 lines (navigation,
 * then the latency of expanding a line and of wrapping), and the trace waterfall with 5,000 spans (navigation, then
 * the latency of collapsing/expanding the tree and selecting a span). The upstream here is a synthetic
 * Prometheus/Loki/Tempo-API server (answers generated from the request), so the figures are the UI's cost, not a
 * query engine's.
 *
 *   npm run bench -- ui
 *   SIGHTLINE_UI_BENCH_ONLY=trace npm run bench -- ui   (sections: routes, tti, graph, logs, trace)
 *
 * The waterfall's figures include the page's main-thread task time (CDP `Performance.getMetrics` TaskDuration), which
 * a loaded machine distorts less than wall-clock latency.
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { buildWebApp } from '../test/ui-browser.js';
import { startBenchUi, startSyntheticUpstream } from './ui-bench-server.js';

const SERIES = 500;
const POINTS = 1000;

const TRACE_SPANS = 5000;
const TRACE_ID = '5a1e00000000000000000000000b17e5';

/** Tempo's `/api/traces/<id>` answer: TRACE_SPANS spans over 8 services, a tree 6 levels deep (OTLP JSON). */
function bigTrace(): unknown {
  const t0 = BigInt(Date.now() - 60_000) * 1_000_000n;
  const batches = [];
  for (let s = 0; s < 8; s++) {
    const spans = [];
    for (let i = s; i < TRACE_SPANS; i += 8) {
      const parent = i === 0 ? undefined : Math.floor((i - 1) / 5);
      const start = t0 + BigInt(i) * 200_000n;
      spans.push({
        traceId: TRACE_ID,
        spanId: i.toString(16).padStart(16, '0'),
        ...(parent === undefined ? {} : { parentSpanId: parent.toString(16).padStart(16, '0') }),
        name: `op-${i % 37} /api/v1/items`,
        kind: 2,
        startTimeUnixNano: String(start),
        endTimeUnixNano: String(start + BigInt(1 + ((i * 7919) % 900)) * 1_000_000n),
        attributes: [{ key: 'http.route', value: { stringValue: `/api/v1/items/${i}` } }],
        status: { code: i % 97 === 0 ? 2 : 0 },
      });
    }
    batches.push({ resource: { attributes: [{ key: 'service.name', value: { stringValue: `svc-${s}` } }] }, scopeSpans: [{ scope: { name: 'bench' }, spans }] });
  }
  return { batches };
}

const ONLY = (process.env.SIGHTLINE_UI_BENCH_ONLY ?? '').split(',').filter(Boolean);
const want = (section: string) => ONLY.length === 0 || ONLY.includes(section);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** A synthetic Prometheus API: `big` gives SERIES series on the request's grid, anything else 3 series. */
function answer(path: string, p: URLSearchParams, res: ServerResponse): unknown {
  if (path.startsWith('/api/traces/')) {
    res.setHeader('content-type', 'application/json');
    return res.end(JSON.stringify(bigTrace()));
  }
  if (path === '/loki/api/v1/query_range') {
    res.setHeader('content-type', 'application/json');
    if ((p.get('query') ?? '').includes('count_over_time')) return res.end(JSON.stringify({ status: 'success', data: { resultType: 'matrix', result: [] } }));
    const limit = Number(p.get('limit') ?? 100);
    const end = BigInt(p.get('end') ?? '0');
    const streams = [];
    for (let s = 0; s < 10; s++) {
      const values: [string, string][] = [];
      for (let i = s; i < limit; i += 10) values.push([String(end - BigInt(i) * 1_000_000n), `level=${['info', 'warn', 'error', 'debug'][i % 4]} msg="request ${i} done" path=/api/v1/items/${i} duration=${i % 97}ms trace_id=${(i * 7919).toString(16).padStart(16, '0')}`]);
      streams.push({ stream: { app: 'bench', pod: `pod-${s}` }, values });
    }
    return res.end(JSON.stringify({ status: 'success', data: { resultType: 'streams', result: streams } }));
  }
  if (!path.endsWith('/query_range')) {
    res.setHeader('content-type', 'application/json');
    return res.end(JSON.stringify({ status: 'success', data: path.endsWith('/query') ? { resultType: 'vector', result: [] } : [] }));
  }
  const start = Number(p.get('start'));
  const end = Number(p.get('end'));
  const step = Number(p.get('step'));
  const n = p.get('query') === 'big' ? SERIES : 3;
  const parts: string[] = [];
  for (let s = 0; s < n; s++) {
    const vals: string[] = [];
    for (let t = start, i = 0; t <= end; t += step, i++) vals.push(`[${t},"${(Math.sin(i / 50 + s) * 100 + s).toFixed(3)}"]`);
    parts.push(`{"metric":{"__name__":"synthetic","series":"s${s}"},"values":[${vals.join(',')}]}`);
  }
  res.setHeader('content-type', 'application/json');
  res.end(`{"status":"success","data":{"resultType":"matrix","result":[${parts.join(',')}]}}`);
}

const webDir = await buildWebApp();
const assets = readdirSync(join(webDir, 'assets'));
let raw = 0;
let gz = 0;
for (const f of [...assets.map((a) => join('assets', a)), 'index.html']) {
  const b = readFileSync(join(webDir, f));
  raw += b.length;
  gz += gzipSync(b, { level: 9 }).length;
}
console.log(JSON.stringify({ bench: 'ui', figure: 'bundle_bytes', raw, gzip: gz, files: assets.length + 1 }));
const gzipOf = (file: string) => gzipSync(readFileSync(join(webDir, file)), { level: 9 }).length;

const upstream = await startSyntheticUpstream(answer);
const upPort = upstream.port;
const { base, ctx, close } = await startBenchUi(webDir, [
  { name: 'Synthetic', uid: 'synth', type: 'prometheus', url: `http://127.0.0.1:${upPort}`, jsonData: { timeInterval: '1s' } },
  { name: 'Synthetic Loki', uid: 'synth-loki', type: 'loki', url: `http://127.0.0.1:${upPort}`, jsonData: { maxLines: 5000 } },
  { name: 'Synthetic Tempo', uid: 'synth-tempo', type: 'tempo', url: `http://127.0.0.1:${upPort}` },
]);
const page = ctx.pages()[0] ?? (await ctx.newPage());
const cdp = await ctx.newCDPSession(page);
const clearCache = () => cdp.send('Network.clearBrowserCache');

// Bundle per route: the scripts and styles a first visit (empty cache) loads, the entry's included.
const ROUTES: [string, string, string][] = [
  ['login', '/login', 'input[name=password]'],
  ['home', '/', '[data-testid=home-health-item]'],
  ['explore', '/explore?ds=synth&expr=small&from=now-1h&to=now', '[data-testid=graph-legend] li'],
  ['dashboards', '/dashboards', '[data-testid=breadcrumbs]'],
  ['datasources', '/datasources', '[data-testid=datasource-list]'],
  ['alerting', '/alerting/list', '[data-testid=breadcrumbs]'],
  ['targets', '/prometheus/targets', '[data-testid=breadcrumbs]'],
];
for (const [route, path, ready] of want('routes') ? ROUTES : []) {
  await clearCache();
  const files = new Set<string>();
  const onResponse = (r: { url(): string }) => {
    const u = new URL(r.url());
    if (/\.(js|css)$/.test(u.pathname)) files.add(u.pathname.slice(1));
  };
  page.on('response', onResponse);
  if (route === 'login') await ctx.clearCookies();
  await page.goto(`${base}${path}`);
  await page.waitForSelector(ready, { timeout: 30_000 });
  await page.waitForLoadState('networkidle');
  page.off('response', onResponse);
  if (route === 'login') {
    const login = await ctx.request.post(`${base}/login`, { data: { user: 'admin', password: 'bench-password' } });
    if (!login.ok()) throw new Error(`login: ${login.status()}`);
  }
  const list = [...files].sort();
  console.log(JSON.stringify({ bench: 'ui', figure: 'route_bundle_bytes', route, gzip: list.reduce((n, f) => n + gzipOf(f), 0), files: list.length, chunks: list.map((f) => f.replace(/^assets\//, '')) }));
}

// Time to interactive of Home (health list drawn) and Explore (graph drawn): first load with an empty cache, then cached.
for (const [name, path, ready] of want('tti') ? [ROUTES[1]!, ROUTES[2]!] : []) {
  const cold: number[] = [];
  const warm: number[] = [];
  for (let i = 0; i < 4; i++) {
    await clearCache();
    await page.goto('about:blank');
    for (const into of [cold, warm]) {
      await page.goto(`${base}${path}`);
      await page.waitForSelector(ready, { timeout: 30_000 });
      // Explore: the graph-drawn mark; Home: the health list drawn (seen by the selector wait)
      into.push((await page.evaluate(`performance.getEntriesByName('sightline:graph-drawn')[0]?.startTime ?? performance.now()`)) as number);
    }
  }
  console.log(JSON.stringify({ bench: 'ui', figure: `${name}_time_to_interactive_ms`, first_load_median: Math.round(median(cold)), cached_median: Math.round(median(warm)), runs: cold.length }));
}

/**
 * Poll the JS expression `expr` in the page until it is truthy (every 20 ms). Not `page.waitForFunction`: it evaluates
 * its string with `eval`, which the UI's Content-Security-Policy (`script-src 'self'`) refuses.
 */
async function waitUntil(expr: string, _arg?: undefined, opts: { timeout?: number; polling?: number } = {}): Promise<void> {
  const end = Date.now() + (opts.timeout ?? 30_000);
  while (!(await page.evaluate(expr))) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${expr}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Click the element `element` (a JS expression) and time until `done` holds and the next frame is painted. */
async function clickLatency(element: string, done: string): Promise<number> {
  return (await page.evaluate(`(async () => {
    const el = ${element};
    const t0 = performance.now();
    el.click();
    while (!(${done})) await new Promise((r) => setTimeout(r, 0));
    await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
    return performance.now() - t0;
  })()`)) as number;
}

// Time to interactive Explore: navigation start until the graph of a small query is drawn (warm cache after run 1).
const tti: number[] = [];
for (let i = 0; i < (want('tti') ? 6 : 0); i++) {
  await page.goto(`${base}/explore?ds=synth&expr=small&from=now-1h&to=now`);
  await page.waitForSelector('[data-testid=graph-legend] li');
  const ms = (await page.evaluate(`performance.getEntriesByName('sightline:graph-drawn')[0].startTime`)) as number;
  tti.push(ms);
}
if (tti.length) console.log(JSON.stringify({ bench: 'ui', figure: 'explore_time_to_graph_ms', cold: Math.round(tti[0]), warm_median: Math.round(median(tti.slice(1))) }));

// 500 series × 1,000 points: fetch + parse, then draw.
const total: number[] = [];
const draw: number[] = [];
for (let i = 0; i < (want('graph') ? 4 : 0); i++) {
  await page.goto(`${base}/explore?ds=synth&expr=small&from=now-1h&to=now`);
  await page.waitForSelector('[data-testid=graph-legend] li');
  await page.evaluate(`performance.clearMarks()`);
  const t0 = (await page.evaluate('performance.now()')) as number;
  await page.evaluate(`history.pushState(null, '', '/explore?ds=synth&expr=big&step=1s&from=now-999s&to=now'); window.dispatchEvent(new Event('sightline:navigate'))`);
  await waitUntil(`document.querySelectorAll('[data-testid=graph-legend] li').length === ${SERIES} && performance.getEntriesByName('sightline:graph-drawn').length > 0`, undefined, { timeout: 60_000 });
  const m = (await page.evaluate(`(() => { const q = performance.getEntriesByName('sightline:query-done')[0]; const g = performance.getEntriesByName('sightline:graph-drawn')[0]; return { q: q.startTime, g: g.startTime, pts: g.detail.points, draws: performance.getEntriesByName('sightline:graph-drawn').length }; })()`)) as { q: number; g: number; pts: number; draws: number };
  if (m.draws !== 1) throw new Error(`graph drawn ${m.draws} times for one result`);
  if (m.pts !== POINTS) throw new Error(`expected ${POINTS} points, got ${m.pts}`);
  total.push(m.g - t0);
  draw.push(m.g - m.q);
}
if (total.length) console.log(JSON.stringify({ bench: 'ui', figure: 'graph_500x1000_ms', fetch_parse_draw_median: Math.round(median(total)), draw_after_data_median: Math.round(median(draw)), runs: total.length }));

// A log view of 5,000 lines: navigation until all rows are in the page.
const logs: number[] = [];
for (let i = 0; i < (want('logs') ? 4 : 0); i++) {
  await page.goto(`${base}/explore?ds=synth-loki&expr=${encodeURIComponent('{app="bench"}')}&from=now-1h&to=now`);
  await waitUntil(`document.querySelectorAll('[data-testid=log-rows] li').length === 5000`, undefined, { timeout: 60_000 });
  logs.push((await page.evaluate('performance.now()')) as number);
}
if (logs.length) console.log(JSON.stringify({ bench: 'ui', figure: 'logs_5000_lines_ms', navigation_to_rows_median: Math.round(median(logs)), runs: logs.length }));

// Log view, 5,000 lines: expanding a line's details and wrapping all lines.
const expand: number[] = [];
const wrap: number[] = [];
for (let i = 0; i < (want('logs') ? 4 : 0); i++) {
  await page.goto(`${base}/explore?ds=synth-loki&expr=${encodeURIComponent('{app="bench"}')}&from=now-1h&to=now`);
  await waitUntil(`document.querySelectorAll('[data-testid=log-rows] li').length === 5000`, undefined, { timeout: 60_000 });
  expand.push(await clickLatency(`document.querySelector('[data-testid=log-rows] li:nth-child(2500) .log-main')`, `document.querySelector('.log-details')`));
  wrap.push(await clickLatency(`document.querySelector('label:has(input[type=checkbox]) input[type=checkbox]')`, `document.querySelector('.log-rows.wrap')`));
}
if (expand.length) console.log(JSON.stringify({ bench: 'ui', figure: 'logs_5000_interaction_ms', expand_line_median: Math.round(median(expand)), wrap_lines_median: Math.round(median(wrap)), runs: expand.length }));

// Trace waterfall, 5,000 spans: navigation until the waterfall is drawn, then collapse the root, expand it, scroll to
// the middle and select a span there. The conditions hold for a waterfall that draws every row and for one that draws
// only the rows in view (`data-rows` is its row count).
const rowsShown = `(document.querySelector('[data-testid=trace-waterfall]')?.dataset.rows ?? String(document.querySelectorAll('[data-testid=span-row]').length))`;
const taskSeconds = async () => ((await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'TaskDuration')?.value ?? 0);
const load: number[] = [];
const collapse: number[] = [];
const reopen: number[] = [];
const select: number[] = [];
const task: number[] = [];
if (want('trace')) await cdp.send('Performance.enable');
for (let i = 0; i < (want('trace') ? 4 : 0); i++) {
  await page.goto('about:blank');
  const cpu0 = await taskSeconds();
  const t0 = Date.now();
  await page.goto(`${base}/explore?ds=synth-tempo&expr=${TRACE_ID}&from=now-1h&to=now`);
  await waitUntil(`document.querySelector('[data-testid=span-row]') && ${rowsShown} === '${TRACE_SPANS}'`, undefined, { timeout: 60_000, polling: 50 });
  load.push(Date.now() - t0);
  collapse.push(await clickLatency(`document.querySelector('[data-testid=span-toggle]')`, `document.querySelectorAll('[data-testid=span-row]').length === 1`));
  reopen.push(await clickLatency(`document.querySelector('[data-testid=span-toggle]')`, `${rowsShown} === '${TRACE_SPANS}' && document.querySelectorAll('[data-testid=span-row]').length > 1`));
  // the 2,500th row scrolled into view (the page scrolls), then selected
  await page.evaluate(`(() => { const r = document.querySelectorAll('[data-testid=span-row]'); const h = r[1].getBoundingClientRect().top - r[0].getBoundingClientRect().top; scrollTo(0, r[0].getBoundingClientRect().top + scrollY + 2499 * h - 300); })()`);
  const row2500 = `(document.querySelector('[data-testid=span-row][data-row-index="2499"]') ?? (document.querySelector('[data-testid=span-row][data-row-index]') ? null : document.querySelectorAll('[data-testid=span-row]')[2499]))`;
  await waitUntil(`!!${row2500}`, undefined, { timeout: 10_000, polling: 50 });
  select.push(await clickLatency(row2500, `document.querySelector('[data-testid=span-details]')`));
  task.push((await taskSeconds()) - cpu0);
}
if (load.length) console.log(JSON.stringify({ bench: 'ui', figure: 'trace_5000_spans_ms', navigation_to_rows_median: Math.round(median(load)), collapse_root_median: Math.round(median(collapse)), expand_root_median: Math.round(median(reopen)), select_span_median: Math.round(median(select)), main_thread_task_ms_median: Math.round(median(task) * 1000), runs: load.length }));

await close();
upstream.close();

/**
 * Web UI figures, measured in Debian's Chromium (playwright-core): the app's bundle size (gzip), time to an
 * interactive Explore with a graph on a local server, and the time to fetch and draw a graph of 500 series × 1,000
 * points. The upstream here is a synthetic Prometheus-API server (query_range answers generated from the request),
 * so the figure is the UI's cost, not a query engine's.
 *
 *   npm run bench -- ui
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { buildWebApp } from '../test/ui-browser.js';
import { startBenchUi, startSyntheticUpstream } from './ui-bench-server.js';

const SERIES = 500;
const POINTS = 1000;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** A synthetic Prometheus API: `big` gives SERIES series on the request's grid, anything else 3 series. */
function answer(path: string, p: URLSearchParams, res: ServerResponse): unknown {
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

const upstream = await startSyntheticUpstream(answer);
const upPort = upstream.port;
const { base, ctx, close } = await startBenchUi(webDir, [
  { name: 'Synthetic', uid: 'synth', type: 'prometheus', url: `http://127.0.0.1:${upPort}`, jsonData: { timeInterval: '1s' } },
  { name: 'Synthetic Loki', uid: 'synth-loki', type: 'loki', url: `http://127.0.0.1:${upPort}`, jsonData: { maxLines: 5000 } },
]);
const page = ctx.pages()[0] ?? (await ctx.newPage());

// Time to interactive Explore: navigation start until the graph of a small query is drawn (warm cache after run 1).
const tti: number[] = [];
for (let i = 0; i < 6; i++) {
  await page.goto(`${base}/explore?ds=synth&expr=small&from=now-1h&to=now`);
  await page.waitForSelector('[data-testid=graph-legend] li');
  const ms = (await page.evaluate(`performance.getEntriesByName('sightline:graph-drawn')[0].startTime`)) as number;
  tti.push(ms);
}
console.log(JSON.stringify({ bench: 'ui', figure: 'explore_time_to_graph_ms', cold: Math.round(tti[0]), warm_median: Math.round(median(tti.slice(1))) }));

// 500 series × 1,000 points: fetch + parse, then draw.
const total: number[] = [];
const draw: number[] = [];
for (let i = 0; i < 4; i++) {
  await page.goto(`${base}/explore?ds=synth&expr=small&from=now-1h&to=now`);
  await page.waitForSelector('[data-testid=graph-legend] li');
  await page.evaluate(`performance.clearMarks()`);
  const t0 = (await page.evaluate('performance.now()')) as number;
  await page.evaluate(`history.pushState(null, '', '/explore?ds=synth&expr=big&step=1s&from=now-999s&to=now'); window.dispatchEvent(new Event('sightline:navigate'))`);
  await page.waitForFunction(`document.querySelectorAll('[data-testid=graph-legend] li').length === ${SERIES} && performance.getEntriesByName('sightline:graph-drawn').length > 0`, undefined, { timeout: 60_000 });
  const m = (await page.evaluate(`(() => { const q = performance.getEntriesByName('sightline:query-done')[0]; const g = performance.getEntriesByName('sightline:graph-drawn')[0]; return { q: q.startTime, g: g.startTime, pts: g.detail.points, draws: performance.getEntriesByName('sightline:graph-drawn').length }; })()`)) as { q: number; g: number; pts: number; draws: number };
  if (m.draws !== 1) throw new Error(`graph drawn ${m.draws} times for one result`);
  if (m.pts !== POINTS) throw new Error(`expected ${POINTS} points, got ${m.pts}`);
  total.push(m.g - t0);
  draw.push(m.g - m.q);
}
console.log(JSON.stringify({ bench: 'ui', figure: 'graph_500x1000_ms', fetch_parse_draw_median: Math.round(median(total)), draw_after_data_median: Math.round(median(draw)), runs: total.length }));

// A log view of 5,000 lines: navigation until all rows are in the page.
const logs: number[] = [];
for (let i = 0; i < 4; i++) {
  await page.goto(`${base}/explore?ds=synth-loki&expr=${encodeURIComponent('{app="bench"}')}&from=now-1h&to=now`);
  await page.waitForFunction(`document.querySelectorAll('[data-testid=log-rows] li').length === 5000`, undefined, { timeout: 60_000 });
  logs.push((await page.evaluate('performance.now()')) as number);
}
console.log(JSON.stringify({ bench: 'ui', figure: 'logs_5000_lines_ms', navigation_to_rows_median: Math.round(median(logs)), runs: logs.length }));

await close();
upstream.close();

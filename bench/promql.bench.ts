/**
 * PromQL engine vs real Prometheus, same data loaded into both (`npm run bench promql`).
 *
 *   (a) sum by (job) (rate(x[5m]))                            10k series x 2h, range query at step 15s
 *   (b) histogram_quantile(0.99, sum by (le) (rate(h_bucket[5m])))   1k histograms x 12 buckets, range 2h step 15s
 *   (c) topk(10, y)                                            100k series, instant
 *
 * Prometheus gets the data through `promtool tsdb create-blocks-from openmetrics`; we append the same samples to
 * our real TSDB (its head: XOR chunks and postings). Latency: median of several runs (Prometheus over HTTP, ours
 * in-process plus JSON encoding of the result), our runs interleaved with Prometheus's. Memory: our RSS growth
 * during the first run of the query in a fresh child process; Prometheus's RSS growth sampled every 10 ms during
 * the query; and both engines' peak-samples figure. Prints one JSON line per case.
 * Env: PROMQL_BENCH_SCALE (default 1) scales series counts down for a quick run.
 */
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { Labels } from '../src/model/index.js';
import { Engine } from '../src/metrics/promql/index.js';
import { Tsdb } from '../src/metrics/tsdb/index.js';
import { freePort } from '../test/helpers/prometheus.js';
import { tempDir, waitFor } from '../test/helpers/process.js';

const SCALE = Number(process.env.PROMQL_BENCH_SCALE ?? '1');
const SCRAPE = 15_000;
const END = Math.floor((Date.now() - 4 * 3600_000) / 3600_000) * 3600_000;
const START = END - 2 * 3600_000;
const RUNS = 7;

interface Case {
  name: string;
  query: string;
  range: boolean;
}

const CASES: Case[] = [
  { name: 'a_sum_rate_10k', query: 'sum by (job) (rate(x[5m]))', range: true },
  { name: 'b_histogram_quantile_1k', query: 'histogram_quantile(0.99, sum by (le) (rate(h_bucket[5m])))', range: true },
  { name: 'c_topk_100k', query: 'topk(10, y)', range: false },
];

const N_X = Math.round(10_000 * SCALE);
const N_H = Math.round(1_000 * SCALE);
const N_Y = Math.round(100_000 * SCALE);
const LES = ['0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '5', '10', '+Inf'];
const Y_POINTS = 4; // the last minute of 100k series: what an instant query looks at

/** Deterministic data, generated the same way for both stores; `only` restricts it to one case's metric. */
function* generate(only?: string): Generator<{ labels: Record<string, string>; t: number; v: number }[]> {
  const times: number[] = [];
  for (let t = START; t <= END; t += SCRAPE) times.push(t);
  for (let i = 0; i < N_X && (!only || only === 'x'); i++) {
    const labels = { __name__: 'x', job: `job${i % 10}`, instance: `host${i}` };
    let v = 0;
    yield times.map((t) => ({ labels, t, v: (v += (i % 7) + ((t / SCRAPE) % 3)) }));
  }
  for (let i = 0; i < N_H && (!only || only === 'h'); i++) {
    let c = 0;
    const base = times.map(() => (c += 10 + (i % 5)));
    for (let b = 0; b < LES.length; b++) {
      const labels = { __name__: 'h_bucket', instance: `host${i}`, le: LES[b] };
      const frac = (b + 1) / LES.length;
      yield times.map((t, k) => ({ labels, t, v: Math.floor(base[k] * frac) }));
    }
  }
  for (let i = 0; i < N_Y && (!only || only === 'y'); i++) {
    const labels = { __name__: 'y', job: `job${i % 100}`, instance: `host${i}` };
    const out = [];
    for (let k = Y_POINTS - 1; k >= 0; k--) out.push({ labels, t: END - k * SCRAPE, v: (i * 7919) % 100_003 });
    yield out;
  }
}

/**
 * Our side reads the real TSDB (head with XOR chunks and postings), loaded with the same data as Prometheus.
 * Samples are appended oldest first across all series, in batches, as scrapes would write them.
 */
async function loadOurs(only: string): Promise<Tsdb> {
  const tsdb = await Tsdb.open({ dir: join(tempDir('promql-bench-tsdb-'), 'tsdb'), retentionMs: 0, retentionBytes: 0, minBlockDurationMs: 2 * 3600_000 });
  const labels: Labels[] = [];
  const ts: Float64Array[] = [];
  const vs: Float64Array[] = [];
  for (const series of generate(only)) {
    labels.push(Labels.fromObject(series[0].labels));
    ts.push(Float64Array.from(series, (x) => x.t));
    vs.push(Float64Array.from(series, (x) => x.v));
  }
  // Merge by time: a cursor per series, one commit per timestamp step (every series shares the scrape grid).
  const pos = new Uint32Array(labels.length);
  const refs = new Float64Array(labels.length);
  for (;;) {
    let next = Infinity;
    for (let i = 0; i < labels.length; i++) if (pos[i] < ts[i].length && ts[i][pos[i]] < next) next = ts[i][pos[i]];
    if (next === Infinity) break;
    const app = tsdb.appender();
    for (let i = 0; i < labels.length; i++) {
      if (pos[i] < ts[i].length && ts[i][pos[i]] === next) {
        refs[i] = app.append(refs[i], labels[i], next, vs[i][pos[i]]);
        pos[i]++;
      }
    }
    await app.commit();
  }
  return tsdb;
}

function writeOpenMetrics(file: string): void {
  const fd = openSync(file, 'w');
  let buf = '';
  let lastName = '';
  for (const series of generate()) {
    const { __name__: name, ...rest } = series[0].labels;
    if (name !== lastName) {
      buf += `# TYPE ${name} unknown\n`;
      lastName = name;
    }
    const head = `${name}{${Object.entries(rest)
      .map(([k, v]) => `${k}="${v}"`)
      .join(',')}}`;
    for (const s of series) buf += `${head} ${s.v} ${(s.t / 1000).toFixed(3)}\n`;
    if (buf.length > 1 << 20) {
      writeSync(fd, buf);
      buf = '';
    }
  }
  writeSync(fd, buf + '# EOF\n');
  closeSync(fd);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/**
 * Child mode: load our storage for one case, print `ready`, then run the query once per `run` line on stdin and
 * print its figures (the parent interleaves these runs with Prometheus's so both see the same machine load).
 */
async function runOursChild(c: Case): Promise<void> {
  const storage = await loadOurs(c.query.includes('h_bucket') ? 'h' : c.query.includes('topk') ? 'y' : 'x');
  const engine = new Engine(storage);
  const gc = (globalThis as { gc?: () => void }).gc;
  const runOnce = async (): Promise<{ ms: number; rssGrowthMB: number; peakSamples: number }> => {
    gc?.();
    const rss0 = process.memoryUsage().rss;
    const before = process.resourceUsage().maxRSS * 1024;
    const t0 = performance.now();
    const res = c.range ? await engine.rangeQuery(c.query, START, END, 15_000) : await engine.instantQuery(c.query, END);
    JSON.stringify(res.value, (_k, v: unknown) => (v instanceof Labels ? v.toObject() : ArrayBuffer.isView(v) ? Array.from(v as Float64Array) : v));
    const ms = performance.now() - t0;
    const after = process.resourceUsage().maxRSS * 1024;
    return { ms, rssGrowthMB: Math.max(0, after - Math.max(before, rss0)) / 2 ** 20, peakSamples: res.stats?.peakSamples ?? 0 };
  };
  // The first run's RSS growth is the query's peak memory (later runs reuse memory the process already has).
  const first = await runOnce();
  console.log('ready');
  let buf = '';
  for await (const chunk of process.stdin) {
    buf += String(chunk);
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const cmd = buf.slice(0, nl).trim();
      buf = buf.slice(nl + 1);
      if (cmd === 'run') {
        const r = await runOnce();
        console.log(JSON.stringify({ ...r, rssGrowthMB: Math.max(r.rssGrowthMB, first.rssGrowthMB) }));
      }
      if (cmd === 'exit') return;
    }
  }
}

/** Talks to a child started in `--child` mode. */
class OursChild {
  private readonly lines: string[] = [];
  private waiter: (() => void) | undefined;
  private readonly proc;

  constructor(c: Case) {
    this.proc = spawn(process.execPath, ['--expose-gc', '--max-old-space-size=8192', '--import', 'tsx', import.meta.filename, '--child', c.name], { stdio: ['pipe', 'pipe', 'inherit'] });
    let buf = '';
    this.proc.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        this.lines.push(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
        this.waiter?.();
      }
    });
  }

  async next(): Promise<string> {
    while (this.lines.length === 0) await new Promise<void>((r) => (this.waiter = r));
    return this.lines.shift()!;
  }

  async run(): Promise<{ ms: number; rssGrowthMB: number; peakSamples: number }> {
    this.proc.stdin.write('run\n');
    return JSON.parse(await this.next()) as { ms: number; rssGrowthMB: number; peakSamples: number };
  }

  close(): void {
    this.proc.stdin.write('exit\n');
  }
}

async function promQuery(url: string, c: Case): Promise<{ ms: number; peakSamples: number }> {
  const params = new URLSearchParams(c.range ? { query: c.query, start: String(START / 1000), end: String(END / 1000), step: '15', stats: 'all' } : { query: c.query, time: String(END / 1000), stats: 'all' });
  const t0 = performance.now();
  const r = await fetch(`${url}/api/v1/${c.range ? 'query_range' : 'query'}`, { method: 'POST', body: params });
  const body = (await r.json()) as { status: string; error?: string; data?: { stats?: { samples?: { peakSamples?: number } } } };
  const ms = performance.now() - t0;
  if (body.status !== 'success') throw new Error(`prometheus: ${body.error}`);
  return { ms, peakSamples: body.data?.stats?.samples?.peakSamples ?? 0 };
}

async function promRss(url: string): Promise<number> {
  const txt = await (await fetch(`${url}/metrics`)).text();
  const m = /^process_resident_memory_bytes (\S+)$/m.exec(txt);
  return m ? Number(m[1]) : 0;
}

async function main(): Promise<void> {
  const child = process.argv[2] === '--child' ? CASES.find((c) => c.name === process.argv[3]) : undefined;
  if (child) return runOursChild(child);

  const haveProm = spawnSync('prometheus', ['--version']).status === 0 && spawnSync('promtool', ['--version']).status === 0;
  let url = '';
  let prom: ReturnType<typeof spawn> | undefined;
  if (haveProm) {
    const dir = tempDir('sightline-promql-bench-');
    const om = join(dir, 'data.om');
    const tImport = performance.now();
    writeOpenMetrics(om);
    const imp = spawnSync('promtool', ['tsdb', 'create-blocks-from', 'openmetrics', om, join(dir, 'tsdb')], { encoding: 'utf8' });
    if (imp.status !== 0) throw new Error(`promtool: ${imp.stderr}`);
    console.error(`prometheus data imported in ${((performance.now() - tImport) / 1000).toFixed(1)} s`);
    const port = await freePort();
    prom = spawn('prometheus', [`--config.file=/dev/null`, `--storage.tsdb.path=${join(dir, 'tsdb')}`, `--web.listen-address=127.0.0.1:${port}`, '--storage.tsdb.retention.time=100y'], { stdio: 'ignore' });
    url = `http://127.0.0.1:${port}`;
    await waitFor(async () => (await fetch(`${url}/-/ready`)).ok, 120_000, 'prometheus ready');
  }
  try {
    for (const c of CASES) {
      // Ours: a fresh process per case so that memory figures do not mix.
      const child = new OursChild(c);
      if ((await child.next()) !== 'ready') throw new Error('child did not start');
      if (haveProm) await promQuery(url, c); // warm-up (block index, page cache)
      const oursLat: number[] = [];
      const promLat: number[] = [];
      let oursRss = 0;
      let oursPeak = 0;
      let promRssGrowth = 0;
      let promPeak = 0;
      for (let r = 0; r < RUNS; r++) {
        const o = await child.run();
        oursLat.push(o.ms);
        oursRss = Math.max(oursRss, o.rssGrowthMB);
        oursPeak = o.peakSamples;
        if (!haveProm) continue;
        const rss0 = await promRss(url);
        let maxRss = rss0;
        let polling = true;
        const poller = (async () => {
          while (polling) {
            maxRss = Math.max(maxRss, await promRss(url));
            await new Promise((res) => setTimeout(res, 10));
          }
        })();
        const q = await promQuery(url, c);
        polling = false;
        await poller;
        promLat.push(q.ms);
        promPeak = q.peakSamples;
        promRssGrowth = Math.max(promRssGrowth, (maxRss - rss0) / 2 ** 20);
      }
      child.close();
      const ours = { latencyMs: median(oursLat), peakRssGrowthMB: oursRss, peakSamples: oursPeak };
      const line: Record<string, unknown> = { bench: 'promql', case: c.name, query: c.query, ours };
      if (haveProm) {
        const p = { latencyMs: median(promLat), peakRssGrowthMB: promRssGrowth, peakSamples: promPeak };
        line.prometheus = p;
        line.latencyRatio = ours.latencyMs / p.latencyMs;
      } else line.prometheus = 'not installed';
      console.log(JSON.stringify(line));
    }
  } finally {
    prom?.kill('SIGTERM');
  }
}

await main();

import { freePort } from './process.js';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir, waitFor } from './process.js';

/**
 * A real Prometheus (Debian package `prometheus`, which also ships `promtool`) preloaded with a data set:
 * the samples are written as OpenMetrics text with timestamps, turned into TSDB blocks with
 * `promtool tsdb create-blocks-from openmetrics`, and Prometheus is started on that data directory.
 */
export interface PromSample {
  /** Metric name and labels. */
  labels: Record<string, string>;
  /** Timestamps in ms and values, same length, time-ordered. */
  t: number[];
  v: number[];
}

export interface RunningPrometheus {
  url: string;
  dir: string;
  stop(): Promise<void>;
  query(path: string, params: Record<string, string>): Promise<PromApiResponse>;
}

export interface PromApiResponse {
  status: 'success' | 'error';
  data?: { resultType: string; result: unknown };
  errorType?: string;
  error?: string;
  warnings?: string[];
}

/** True when both binaries are on PATH. */
export function prometheusInstalled(): boolean {
  const a = spawnSync('prometheus', ['--version'], { stdio: 'ignore' });
  const b = spawnSync('promtool', ['--version'], { stdio: 'ignore' });
  return a.status === 0 && b.status === 0;
}


function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function formatValue(v: number): string {
  if (v !== v) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

/** OpenMetrics text: one family per metric name (type unknown), samples with timestamps in seconds. */
export function toOpenMetrics(series: PromSample[]): string {
  const byName = new Map<string, PromSample[]>();
  for (const s of series) {
    const name = s.labels.__name__;
    const list = byName.get(name) ?? [];
    list.push(s);
    byName.set(name, list);
  }
  const out: string[] = [];
  for (const [name, list] of byName) {
    out.push(`# TYPE ${name} unknown`);
    for (const s of list) {
      const lbls = Object.entries(s.labels)
        .filter(([k]) => k !== '__name__')
        .map(([k, v]) => `${k}="${escapeLabel(v)}"`)
        .join(',');
      const head = lbls ? `${name}{${lbls}}` : name;
      for (let i = 0; i < s.t.length; i++) out.push(`${head} ${formatValue(s.v[i])} ${(s.t[i] / 1000).toFixed(3)}`);
    }
  }
  out.push('# EOF');
  return out.join('\n') + '\n';
}

export async function startPrometheusWithData(series: PromSample[], extraFlags: string[] = []): Promise<RunningPrometheus> {
  const dir = tempDir('sightline-prom-');
  const om = join(dir, 'data.om');
  writeFileSync(om, toOpenMetrics(series));
  const tsdb = join(dir, 'tsdb');
  const imp = spawnSync('promtool', ['tsdb', 'create-blocks-from', 'openmetrics', om, tsdb], { encoding: 'utf8' });
  if (imp.status !== 0) throw new Error(`promtool create-blocks-from failed: ${imp.stderr || imp.stdout}`);
  writeFileSync(join(dir, 'prometheus.yml'), 'global:\n  scrape_interval: 15s\n');
  const port = await freePort();
  const child: ChildProcess = spawn(
    'prometheus',
    [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${tsdb}`, `--web.listen-address=127.0.0.1:${port}`, '--storage.tsdb.retention.time=100y', ...extraFlags],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  const exited = new Promise<void>((res) => child.on('exit', () => res()));
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`prometheus exited: ${log.slice(-2000)}`);
        const r = await fetch(`${url}/-/ready`);
        return r.ok;
      },
      30_000,
      'prometheus to be ready',
    );
  } catch (e) {
    child.kill('SIGKILL');
    throw e;
  }
  return {
    url,
    dir,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
    },
    async query(path, params) {
      const body = new URLSearchParams(params);
      const r = await fetch(`${url}${path}`, { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      return (await r.json()) as PromApiResponse;
    },
  };
}

export { freePort };

/**
 * The all-in-one stack the dashboard browser tests share: built app, Chromium, Sightline with the admin password,
 * metrics remote-written, dashboards imported through `/api/dashboards/import` (as grafana.com's import does: each
 * datasource input answered with a datasource of its type) and a signed-in page.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { expect } from 'vitest';
import { compressSnappyBody } from '../src/metrics/remote/codec/index.js';
import { Entry, ExpositionParser } from '../src/metrics/textparse/index.js';
import { REPO_ROOT, type SpawnedSightline } from './helpers/process.js';
import { encodeV1, type PbSeriesV1 } from './helpers/remote-write-protos.js';
import { buildWebApp, launchChromium, signIn, startAllInOne } from './ui-browser.js';

export interface DashboardStack {
  sightline: SpawnedSightline;
  ports: Record<string, number>;
  base: string;
  browser: BrowserContext;
  page: Page;
  /** `importedUrl` of each dashboard, in the order given. */
  urls: string[];
  /** Basic auth (and JSON content type) of the admin for API calls. */
  auth: Record<string, string>;
}

/**
 * `before` runs once the stack listens, before the dashboards are imported; series it returns are remote-written too
 * (e.g. a replay of the stack's own /metrics).
 */
export async function startDashboardStack(
  password: string,
  series: PbSeriesV1[],
  dashboards: unknown[],
  before?: (ports: Record<string, number>) => Promise<PbSeriesV1[] | void>,
  opts: Parameters<typeof startAllInOne>[2] = {},
): Promise<DashboardStack> {
  const [webDir, browser] = await Promise.all([buildWebApp(), launchChromium()]);
  const { sightline, ports } = await startAllInOne(webDir, password, opts);
  const base = `http://127.0.0.1:${ports.ui}`;
  const auth = { authorization: `Basic ${Buffer.from(`admin:${password}`).toString('base64')}`, 'content-type': 'application/json' };
  const remoteWrite = async (batch: PbSeriesV1[]) => {
    const write = await fetch(`http://127.0.0.1:${ports.prometheus}/api/v1/write`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy', 'x-prometheus-remote-write-version': '0.1.0' },
      body: compressSnappyBody(encodeV1(batch)),
    });
    expect(write.status, await write.text()).toBe(204);
  };
  await remoteWrite(series);
  const more = await before?.(ports);
  if (more && more.length > 0) await remoteWrite(more);
  const urls: string[] = [];
  for (const dashboard of dashboards) {
    const res = await fetch(`${base}/api/dashboards/import`, { method: 'POST', headers: auth, body: JSON.stringify({ dashboard, overwrite: true, inputs: [] }) });
    const body = (await res.json()) as { importedUrl: string };
    expect(res.status, JSON.stringify(body)).toBe(200);
    urls.push(body.importedUrl);
  }
  const page = browser.pages()[0] ?? (await browser.newPage());
  await signIn(page, base, password);
  return { sightline, ports, base, browser, page, urls, auth };
}

/** The counters of an exposition are read as three days of steady growth; gauges hold their value. */
const UPTIME_S = 3 * 86400;

/** Whether a series of a family of this type counts up: counters, and the buckets, counts and sums of histograms and summaries. */
const countsUp = (type: string, name: string) =>
  type === 'counter' || ((type === 'histogram' || type === 'summary') && /_(bucket|count|sum)$/.test(name)) || (type === 'unknown' && name.endsWith('_total'));

/**
 * 30 minutes (15 s apart, ending at `now`) of every series of an exposition (Prometheus' text format), as a scrape
 * of it would store them: the target's labels (`job`, `instance`, ...) added, counters (by the `# TYPE` lines)
 * rising at a steady rate to their recorded value, everything else holding its value.
 */
export function expositionSeries(text: string, now: number, target: Record<string, string> = {}): PbSeriesV1[] {
  const times = Array.from({ length: 121 }, (_, i) => now - (120 - i) * 15_000);
  const parser = new ExpositionParser(text, false);
  const out: PbSeriesV1[] = [];
  for (let e = parser.next(); e !== Entry.EOF; e = parser.next()) {
    if (e !== Entry.Series) continue;
    const own = parser.labels().toObject();
    const labels = Object.entries({ ...target, ...own })
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([name, value]) => ({ name, value }));
    const last = parser.value;
    const counter = countsUp(parser.family === '' || !parser.metricName().startsWith(parser.family) ? 'unknown' : parser.metricType, parser.metricName());
    out.push({ labels, samples: times.map((t) => ({ timestamp: t, value: counter ? last * (1 - (now - t) / 1000 / UPTIME_S) : last })) });
  }
  return out;
}

/** 30 minutes of every series of the cAdvisor exposition fixture (dashboard 315's data), ending at `now`. */
export const cadvisorSeries = (now: number): PbSeriesV1[] => expositionSeries(readFileSync(join(REPO_ROOT, 'test/fixtures/dashboards/cadvisor-exposition.txt'), 'utf8'), now);

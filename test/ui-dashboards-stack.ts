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

export async function startDashboardStack(password: string, series: PbSeriesV1[], dashboards: unknown[], before?: (ports: Record<string, number>) => Promise<void>): Promise<DashboardStack> {
  const [webDir, browser] = await Promise.all([buildWebApp(), launchChromium()]);
  const { sightline, ports } = await startAllInOne(webDir, password);
  const base = `http://127.0.0.1:${ports.ui}`;
  const auth = { authorization: `Basic ${Buffer.from(`admin:${password}`).toString('base64')}`, 'content-type': 'application/json' };
  const write = await fetch(`http://127.0.0.1:${ports.prometheus}/api/v1/write`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy', 'x-prometheus-remote-write-version': '0.1.0' },
    body: compressSnappyBody(encodeV1(series)),
  });
  expect(write.status, await write.text()).toBe(204);
  await before?.(ports);
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

/** The counters of the exposition are read as three days of steady growth; gauges hold their value. */
const UPTIME_S = 3 * 86400;

/** 30 minutes (15 s apart) of every series of the cAdvisor exposition fixture, ending at `now`. */
export function cadvisorSeries(now: number): PbSeriesV1[] {
  const times = Array.from({ length: 121 }, (_, i) => now - (120 - i) * 15_000);
  const parser = new ExpositionParser(readFileSync(join(REPO_ROOT, 'test/fixtures/dashboards/cadvisor-exposition.txt'), 'utf8'), false);
  const out: PbSeriesV1[] = [];
  for (let e = parser.next(); e !== Entry.EOF; e = parser.next()) {
    if (e !== Entry.Series) continue;
    const labels = Object.entries(parser.labels().toObject()).map(([name, value]) => ({ name, value }));
    const last = parser.value;
    const counter = parser.metricName().endsWith('_total');
    out.push({ labels, samples: times.map((t) => ({ timestamp: t, value: counter ? last * (1 - (now - t) / 1000 / UPTIME_S) : last })) });
  }
  return out;
}

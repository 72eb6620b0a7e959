/** The UI server on a temp SQLite database serving a built app, and Chromium signed in as admin, for the UI benches. */
import { createServer, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { sightlineConfigSchema } from '../src/config/index.js';
import { createSelfMetricsRegistry, listen, silentLogger } from '../src/server/index.js';
import { createUiServer, openUiDatabase } from '../src/ui/index.js';
import { tempDir } from '../test/helpers/process.js';
import { launchChromium } from '../test/ui-browser.js';

export async function startBenchUi(webDir: string, datasources: Record<string, unknown>[]): Promise<{ base: string; ctx: BrowserContext; close: () => Promise<void> }> {
  const config = sightlineConfigSchema.parse({ ui: { listen_address: '127.0.0.1:0', admin_password: 'bench-password', provision_self: false } }).ui;
  const db = await openUiDatabase({ type: 'sqlite', path: join(tempDir(), 'ui.db') });
  const app = await createUiServer({ config, db, secretKey: 'bench-secret-key-0000', logger: silentLogger(), registry: createSelfMetricsRegistry(), staticDir: webDir, env: {} });
  const base = `http://127.0.0.1:${await listen(app, '127.0.0.1:0')}`;
  const ctx = await launchChromium();
  const login = await ctx.request.post(`${base}/login`, { data: { user: 'admin', password: 'bench-password' } });
  if (!login.ok()) throw new Error(`login: ${login.status()}`);
  for (const data of datasources) {
    const res = await ctx.request.post(`${base}/api/datasources`, { data });
    if (!res.ok()) throw new Error(`datasource: ${res.status()} ${await res.text()}`);
  }
  return {
    base,
    ctx,
    close: async () => {
      await ctx.close();
      await app.close();
      await db.close();
    },
  };
}

/** An HTTP server standing in for a Prometheus/Loki API: `answer` gets the path and the query or form parameters. */
export async function startSyntheticUpstream(answer: (path: string, params: URLSearchParams, res: ServerResponse) => void): Promise<{ port: number; close: () => void }> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      const u = new URL(req.url ?? '/', 'http://x');
      answer(u.pathname, new URLSearchParams(body || u.search), res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { port: (server.address() as { port: number }).port, close: () => server.close() };
}

/** Headless Debian Chromium driven by playwright-core (never a downloaded browser), and a fresh build of the web app. */
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { REPO_ROOT, spawnSightline, startedPorts, tempDir, type SpawnedSightline } from './helpers/process.js';

export const CHROMIUM = process.env.SIGHTLINE_CHROMIUM ?? '/usr/bin/chromium';
export const chromiumAvailable = () => existsSync(CHROMIUM);

/** Flags that keep Chromium off the network and quiet on this machine. */
export const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export async function launchChromium(): Promise<BrowserContext> {
  const userDataDir = tempDir('sightline-ui-chromium-');
  return chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport: { width: 1400, height: 900 },
  });
}

/** Build the web app with Vite into a temp dir (a couple of seconds), so the test never serves a stale build. */
export async function buildWebApp(): Promise<string> {
  const outDir = tempDir('sightline-ui-web-');
  const { build } = await import('vite');
  await build({ configFile: join(REPO_ROOT, 'ui/vite.config.ts'), logLevel: 'warn', build: { outDir, emptyOutDir: true } });
  return outDir;
}

/** Where screenshots go: $SIGHTLINE_TEST_ARTIFACTS or dist/test-artifacts/<name> (both outside git). */
export function artifactsDir(name: string): string {
  const dir = join(process.env.SIGHTLINE_TEST_ARTIFACTS ?? join(REPO_ROOT, 'dist', 'test-artifacts'), name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return dir;
}

/**
 * Every listener of a one-process stack on port 0, the UI serving `webDir` (a build from `buildWebApp`); optionally
 * the self-scrape on a short interval (Home's ingest rates) and the service-graph generator on short intervals.
 */
export function allInOneConfig(webDir: string, opts: { selfScrapeInterval?: string; serviceGraphs?: boolean } = {}): string {
  return [
    opts.selfScrapeInterval ? `metrics: { listen_address: 127.0.0.1:0, self_scrape_interval: ${opts.selfScrapeInterval} }` : 'metrics: { listen_address: 127.0.0.1:0, scrape_self: false }',
    'logs: { listen_address: 127.0.0.1:0 }',
    'mimir: { listen_address: 127.0.0.1:0 }',
    'traces:',
    '  listen_address: 127.0.0.1:0',
    '  zipkin: { listen_address: 127.0.0.1:0 }',
    '  jaeger: { listen_address: 127.0.0.1:0 }',
    ...(opts.serviceGraphs ? ['  metrics_generator: { collection_interval: 300ms, service_graphs_wait: 1s }'] : []),
    'otlp: { grpc_listen_address: 127.0.0.1:0, http_listen_address: 127.0.0.1:0 }',
    'alertmanager: { listen_address: 127.0.0.1:0 }',
    `ui: { listen_address: 127.0.0.1:0, static_dir: ${JSON.stringify(webDir)} }`,
    '',
  ].join('\n');
}

/**
 * `sightline --target all` with `allInOneConfig`, the admin password set, and `prometheusConfig` (when given) as its
 * `--prometheus.config` file; resolves with its ports once all listen.
 */
export async function startAllInOne(webDir: string, adminPassword: string, opts: Parameters<typeof allInOneConfig>[1] & { prometheusConfig?: string } = {}): Promise<{ sightline: SpawnedSightline; ports: Record<string, number> }> {
  const dir = tempDir();
  writeFileSync(join(dir, 'sightline.yaml'), allInOneConfig(webDir, opts));
  const args = ['--target', 'all', '--config.file', join(dir, 'sightline.yaml'), '--data-dir', join(dir, 'data')];
  if (opts.prometheusConfig !== undefined) {
    writeFileSync(join(dir, 'prometheus.yml'), opts.prometheusConfig);
    args.push('--prometheus.config', join(dir, 'prometheus.yml'));
  }
  const sightline = spawnSightline(args, { GF_SECURITY_ADMIN_PASSWORD: adminPassword });
  const ports = await startedPorts(sightline, 40_000).catch((e: Error) => {
    throw new Error(`${e.message}\n${sightline.stderr()}`);
  });
  return { sightline, ports };
}

/** Stop a spawned Sightline with SIGTERM and wait for it to exit (nothing when it already has). */
export async function stopSightline(s: SpawnedSightline | undefined): Promise<void> {
  if (s && s.child.exitCode === null) {
    s.child.kill('SIGTERM');
    await s.exited;
  }
}

/** Sign in through the login form as `admin`. */
export async function signIn(page: Page, base: string, password: string): Promise<void> {
  await page.goto(`${base}/login`);
  await page.fill('input[name=user]', 'admin');
  await page.fill('input[name=password]', password);
  await page.click('button[type=submit]');
  await page.waitForURL((u) => !u.pathname.startsWith('/login'));
}

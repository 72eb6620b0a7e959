/** Headless Debian Chromium driven by playwright-core (never a downloaded browser), and a fresh build of the web app. */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { REPO_ROOT, tempDir } from './helpers/process.js';

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

/** The browser's first page, signed in to the UI at `base` with a password. */
export async function signIn(browser: BrowserContext, base: string, user: string, password: string): Promise<Page> {
  const page = browser.pages()[0] ?? (await browser.newPage());
  await page.goto(`${base}/login`);
  await page.fill('input[name=user]', user);
  await page.fill('input[name=password]', password);
  await page.click('button[type=submit]');
  await page.waitForURL((u) => !u.pathname.startsWith('/login'));
  return page;
}

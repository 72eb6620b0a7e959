/**
 * Administration → Tokens and Audit log in headless Chromium, under the UI's Content-Security-Policy: a token is
 * created (shown once), listed and revoked; the audit log lists both actions; sign-out is the shell's POST form.
 * No page logs a CSP violation.
 */
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sightlineConfigSchema } from '../src/config/index.js';
import { createSelfMetricsRegistry, listen, silentLogger } from '../src/server/index.js';
import { createUiServer, openUiDatabase, type UiDatabase } from '../src/ui/index.js';
import { tempDir } from './helpers/process.js';
import { buildWebApp, chromiumAvailable, launchChromium, signIn } from './ui-browser.js';

const PASSWORD = 'admin security e2e password';

describe.runIf(chromiumAvailable())('Administration → Tokens and Audit log in a browser', () => {
  let app: FastifyInstance;
  let db: UiDatabase;
  let browser: BrowserContext;
  let page: Page;
  let base: string;
  const cspViolations: string[] = [];

  beforeAll(async () => {
    const webDir = await buildWebApp();
    const config = sightlineConfigSchema.parse({ ui: { listen_address: '127.0.0.1:0', admin_password: PASSWORD, provision_self: false } }).ui;
    db = await openUiDatabase({ type: 'sqlite', path: join(tempDir('sightline-ui-admin-'), 'ui.db') });
    app = await createUiServer({ config, db, secretKey: 'test-secret-key-0123456789', logger: silentLogger(), registry: createSelfMetricsRegistry(), env: {}, staticDir: webDir });
    base = `http://127.0.0.1:${await listen(app, '127.0.0.1:0')}`;
    browser = await launchChromium();
    page = await browser.newPage();
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
    });
    await signIn(page, base, PASSWORD);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await db?.close();
  });

  it('creates a token shown once, lists it and revokes it', async () => {
    await page.goto(`${base}/admin/tokens`);
    await page.waitForSelector('[data-testid=token-form]');
    expect(await page.locator('[data-testid=tenant-auth-off]').count()).toBe(1);
    await page.fill('input[name=name]', 'promtail-a');
    await page.fill('input[name=tenants]', 'team-a');
    await page.check('input[value="logs:write"]');
    await page.click('button:has-text("Create token")');
    const shown = (await page.locator('[data-testid=new-token] pre').textContent()) ?? '';
    expect(shown).toMatch(/^[A-Za-z0-9_-]{43}$/);
    await expect.poll(() => page.locator('[data-testid=token-list] tbody tr').count()).toBe(1);
    expect(await page.locator('[data-testid=token-list]').textContent()).toContain('logs:write');
    // Gone after a reload: the token itself is stored nowhere.
    await page.reload();
    await page.waitForSelector('[data-testid=token-list]');
    expect(await page.content()).not.toContain(shown);
    page.once('dialog', (d) => void d.accept());
    await page.click('[data-testid=token-list] button:has-text("Revoke")');
    await expect.poll(() => page.locator('[data-testid=token-list]').count()).toBe(0);
  });

  it('lists the admin actions in the audit log, filterable by resource', async () => {
    await page.goto(`${base}/admin/audit`);
    await page.waitForSelector('[data-testid=audit-list]');
    const rows = await page.locator('[data-testid=audit-list] tbody tr').allTextContents();
    expect(rows.some((r) => r.includes('admin') && r.includes('POST') && r.includes('tenant-token'))).toBe(true);
    expect(rows.some((r) => r.includes('DELETE') && r.includes('tenant-token'))).toBe(true);
    await page.selectOption('[data-testid=audit-resource]', 'datasource');
    await page.waitForSelector('text=No admin actions recorded.');
  });

  it('signs out with the shell form (POST) and logged no CSP violation', async () => {
    await page.click('form.sign-out button');
    await page.waitForURL(/\/login/);
    expect((await page.request.get(`${base}/api/user`)).status()).toBe(401);
    expect(cspViolations).toEqual([]);
  });
});

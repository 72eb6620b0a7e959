/**
 * The alerting pages in a real browser against `sightline --target all` (every listener on port 0): alerts posted
 * to the built-in Alertmanager appear on Alerting → Alerts (grouped, filtered by matcher); a silence is created from
 * an alert in the UI, shows in Alertmanager's own `/api/v2/silences` and marks the alert silenced; it is expired from
 * the UI; contact points and notification policies show the loaded alertmanager.yml. Debian's Chromium through
 * playwright-core; screenshots in dist/test-artifacts/ui-alerting/.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STORES_ON_PORT_0, spawnSightline, startedPorts, tempDir, waitFor, type SpawnedSightline } from './helpers/process.js';
import { artifactsDir, buildWebApp, chromiumAvailable, launchChromium, signIn } from './ui-browser.js';
import { requirePeer } from './ui-peers.js';

const PASSWORD = 'alerting-admin-password';
const enabled = requirePeer('Chromium', chromiumAvailable(), 'chromium');

interface ApiSilence {
  id: string;
  matchers: { name: string; value: string; isRegex: boolean; isEqual: boolean }[];
  createdBy: string;
  comment: string;
  status: { state: string };
}

describe.runIf(enabled)('Alerting pages in Chromium against the built-in Alertmanager', () => {
  let sightline: SpawnedSightline;
  let base: string;
  let amUrl: string;
  let browser: BrowserContext;
  let page: Page;
  const shots = artifactsDir('ui-alerting');
  let step = 0;
  const shot = async (name: string) => page.screenshot({ path: join(shots, `${String(++step).padStart(2, '0')}-${name}.png`), fullPage: true });

  const postAlerts = async () => {
    const res = await fetch(`${amUrl}/api/v2/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([
        { labels: { alertname: 'HighLatency', service: 'checkout', severity: 'critical' }, annotations: { summary: 'p99 above 2s' }, generatorURL: 'http://prom.example/graph' },
        { labels: { alertname: 'DiskFilling', instance: 'db-1', severity: 'warning' }, annotations: { summary: 'disk 91% full' } },
      ]),
    });
    expect(res.status).toBe(200);
  };

  beforeAll(async () => {
    const [webDir, b] = await Promise.all([buildWebApp(), launchChromium()]);
    browser = b;
    const dir = tempDir();
    writeFileSync(
      join(dir, 'alertmanager.yml'),
      `route:
  receiver: ops
  group_by: [alertname]
  group_wait: 1h
  routes:
    - matchers: ['severity="critical"']
      receiver: pager
      group_wait: 1h
      continue: true
    - matchers: ['service="checkout"']
      receiver: ops
      group_by: [service]
receivers:
  - name: ops
    webhook_configs: [{ url: 'http://127.0.0.1:9/ops' }]
  - name: pager
    slack_configs: [{ api_url: 'http://127.0.0.1:9/slack', channel: '#oncall' }]
`,
    );
    writeFileSync(
      join(dir, 'sightline.yaml'),
      [
        ...STORES_ON_PORT_0,
        `alertmanager: { listen_address: 127.0.0.1:0, config_file: ${JSON.stringify(join(dir, 'alertmanager.yml'))} }`,
        `ui: { listen_address: 127.0.0.1:0, static_dir: ${JSON.stringify(webDir)} }`,
        '',
      ].join('\n'),
    );
    sightline = spawnSightline(['--target', 'all', '--config.file', join(dir, 'sightline.yaml'), '--data-dir', join(dir, 'data')], { GF_SECURITY_ADMIN_PASSWORD: PASSWORD });
    const ports = await startedPorts(sightline, 40_000).catch((e: Error) => {
      throw new Error(`${e.message}\n${sightline.stderr()}`);
    });
    base = `http://127.0.0.1:${ports.ui}`;
    amUrl = `http://127.0.0.1:${ports.alertmanager}`;
    await postAlerts();
    page = browser.pages()[0] ?? (await browser.newPage());
    await signIn(page, base, PASSWORD);
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    if (sightline && sightline.child.exitCode === null) {
      sightline.child.kill('SIGTERM');
      await sightline.exited;
    }
  });

  const alertRow = (name: string) => page.locator('[data-testid=am-alert]', { hasText: name });
  const amSilences = async () => (await (await fetch(`${amUrl}/api/v2/silences`)).json()) as ApiSilence[];

  it('lists the Alertmanager alerts by group from the menu, and filters them by matcher', async () => {
    await page.goto(`${base}/`);
    await page.click('[data-testid=nav-am-alerts]');
    await page.waitForURL(/\/alerting\/groups$/);
    await expect.poll(() => page.locator('[data-testid=am-alert-group]').count(), { timeout: 10_000 }).toBe(3);
    // HighLatency is in two groups: the critical branch (continue: true) and the checkout branch after it
    expect(await page.locator('[data-testid=am-alert-group]', { hasText: 'receiver pager' }).textContent()).toContain('HighLatency');
    const latency = alertRow('HighLatency').first();
    expect(await latency.locator('[data-testid=am-alert-state]').textContent()).toBe('active');
    expect(await latency.textContent()).toContain('severity="critical"');
    expect(await latency.textContent()).toContain('p99 above 2s');
    await shot('alerts');

    await page.fill('[data-testid=alert-filter]', '{severity="warning"}');
    await page.click('button:has-text("Apply")');
    await page.waitForURL(/filter=/);
    await expect.poll(() => page.locator('[data-testid=am-alert]').allTextContents()).toHaveLength(1);
    expect(await page.locator('[data-testid=am-alert]').textContent()).toContain('DiskFilling');
    await shot('alerts-filtered');
    // a bad matcher reads as Alertmanager's error
    await page.fill('[data-testid=alert-filter]', 'severity=~"(" ');
    await page.click('button:has-text("Apply")');
    await expect.poll(() => page.locator('[role=alert]').count(), { timeout: 10_000 }).toBe(1);
  });

  it('creates a silence from an alert: prefilled matchers, saved to the Alertmanager, the alert shown silenced', async () => {
    await page.goto(`${base}/alerting/groups?filter=${encodeURIComponent('alertname="DiskFilling"')}`);
    await expect.poll(() => page.locator('[data-testid=am-alert]').count(), { timeout: 10_000 }).toBe(1);
    await page.click('[data-testid=silence-alert]');
    await page.waitForURL(/\/alerting\/silence\/new\?/);
    const rows = page.locator('[data-testid=matcher-row]');
    await expect.poll(() => rows.count()).toBe(3);
    const values = await rows.evaluateAll((rs) => rs.map((r) => Array.from(r.querySelectorAll('input, select')).map((e) => (e as unknown as { value: string }).value).join(' ')));
    expect(values).toEqual(['alertname = DiskFilling', 'instance = db-1', 'severity = warning']);
    expect(await page.inputValue('input[name=createdBy]')).toBe('admin');
    await expect.poll(() => page.locator('[data-testid=affected-alerts]').textContent(), { timeout: 10_000 }).toBe('1 alert affected');
    await page.fill('input[name=duration]', '3h');
    await page.click('[data-testid=save-silence]');
    expect(await page.locator('[role=alert]').textContent()).toBe('A comment is needed.');
    await page.fill('textarea[name=comment]', 'disk being replaced');
    await shot('silence-editor');
    await page.click('[data-testid=save-silence]');
    await page.waitForURL(/\/alerting\/silences$/);
    await expect.poll(() => page.locator('[data-testid=silence-row][data-state=active]').count(), { timeout: 10_000 }).toBe(1);
    await shot('silences');

    const silences = await amSilences();
    expect(silences).toHaveLength(1);
    const s = silences[0]!;
    expect(s).toMatchObject({ createdBy: 'admin', comment: 'disk being replaced', status: { state: 'active' } });
    expect(s.matchers.map((m) => [m.name, m.value, m.isRegex, m.isEqual])).toEqual([
      ['alertname', 'DiskFilling', false, true],
      ['instance', 'db-1', false, true],
      ['severity', 'warning', false, true],
    ]);
    const full = (await (await fetch(`${amUrl}/api/v2/silence/${s.id}`)).json()) as { startsAt: string; endsAt: string };
    // the editor's start is when it opened; Alertmanager moves a start in the past to the moment of creation
    const span = Date.parse(full.endsAt) - Date.parse(full.startsAt);
    expect(span).toBeLessThanOrEqual(3 * 3600_000);
    expect(span).toBeGreaterThan(3 * 3600_000 - 60_000);

    await page.click('[data-testid=nav-am-alerts]');
    await expect.poll(() => alertRow('DiskFilling').locator('[data-testid=am-alert-state]').textContent(), { timeout: 10_000 }).toBe('silenced');
    expect(await alertRow('DiskFilling').textContent()).toContain(`Silenced by ${s.id.slice(0, 8)}`);
    expect(await alertRow('DiskFilling').locator('[data-testid=silence-alert]').count()).toBe(0);
    await shot('alert-silenced');
    // hiding silenced alerts leaves the others
    await page.click('label:has-text("Silenced") input');
    await page.waitForURL(/silenced=false/);
    await expect.poll(() => alertRow('HighLatency').count(), { timeout: 10_000 }).toBe(2);
    expect(await alertRow('DiskFilling').count()).toBe(0);
  });

  it('expires the silence from the UI; the Alertmanager reports it expired and the alert active again', async () => {
    await page.click('[data-testid=nav-silences]');
    await page.waitForURL(/\/alerting\/silences$/);
    await expect.poll(() => page.locator('[data-testid=expire-silence]').count(), { timeout: 10_000 }).toBe(1);
    await page.click('[data-testid=expire-silence]');
    await expect.poll(() => page.locator('[data-testid=silence-row][data-state=expired]').count(), { timeout: 10_000 }).toBe(1);
    await shot('silence-expired');
    await waitFor(async () => (await amSilences())[0]?.status.state === 'expired', 5_000, 'silence expired in the Alertmanager');
    await page.goto(`${base}/alerting/groups`);
    await expect.poll(() => alertRow('DiskFilling').locator('[data-testid=am-alert-state]').textContent(), { timeout: 10_000 }).toBe('active');
  });

  it('shows the contact points and the notification policy tree of the loaded alertmanager.yml', async () => {
    await page.click('[data-testid=nav-contact-points]');
    await expect.poll(() => page.locator('[data-testid=contact-point]').allTextContents(), { timeout: 10_000 }).toEqual([
      'opswebhook url: <secret>',
      'pagerslack api_url: <secret>',
    ]);
    await shot('contact-points');
    await page.click('[data-testid=nav-notification-policies]');
    const policies = page.locator('[data-testid=policy]');
    await expect.poll(() => policies.count(), { timeout: 10_000 }).toBe(3);
    expect(await policies.nth(0).locator('.policy-body').first().textContent()).toContain('→ ops');
    expect(await policies.nth(1).textContent()).toContain('severity="critical"continue→ pagergroup by alertnamewait 1hinterval 5mrepeat 4h');
    expect(await policies.nth(2).textContent()).toContain('service="checkout"→ opsgroup by service');
    await shot('notification-policies');
    // the alerting rules view is the Prometheus rule list, linked from the same section
    await page.click('[data-testid=nav-alert-rules]');
    await expect.poll(() => page.locator('[data-testid=alert-rules-page]').textContent(), { timeout: 10_000 }).toContain('No rules in Prometheus');
  });

  it('through the datasource proxy: a Viewer reads the Alertmanager but cannot silence, an Editor can, only an Admin posts alerts', async () => {
    const adminCookie = (await browser.cookies(base)).filter((c) => c.name === 'sightline_session').map((c) => `${c.name}=${c.value}`)[0]!;
    const call = (cookie: string, method: string, path: string, body?: unknown) =>
      fetch(`${base}/api/datasources/proxy/uid/alertmanager${path}`, { method, headers: { cookie, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    const as = async (role: string) => {
      const login = `am-${role.toLowerCase()}`;
      const created = await fetch(`${base}/api/admin/users`, { method: 'POST', headers: { cookie: adminCookie, 'content-type': 'application/json' }, body: JSON.stringify({ login, password: `${login}-password`, role }) });
      expect(created.status).toBe(200);
      const res = await fetch(`${base}/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user: login, password: `${login}-password` }) });
      return (res.headers.get('set-cookie') ?? '').split(';')[0]!;
    };
    const silence = { matchers: [{ name: 'alertname', value: 'HighLatency', isRegex: false, isEqual: true }], startsAt: new Date().toISOString(), endsAt: new Date(Date.now() + 60_000).toISOString(), createdBy: 'x', comment: 'y' };
    const viewer = await as('Viewer');
    expect((await call(viewer, 'GET', '/api/v2/alerts/groups')).status).toBe(200);
    expect((await call(viewer, 'POST', '/api/v2/silences', silence)).status).toBe(403);
    const editor = await as('Editor');
    const made = await call(editor, 'POST', '/api/v2/silences', silence);
    expect(made.status).toBe(200);
    const { silenceID } = (await made.json()) as { silenceID: string };
    expect((await call(editor, 'DELETE', `/api/v2/silence/${silenceID}`)).status).toBe(200);
    expect((await call(viewer, 'DELETE', `/api/v2/silence/${silenceID}`)).status).toBe(403);
    expect((await call(editor, 'POST', '/api/v2/alerts', [{ labels: { alertname: 'Injected' } }])).status).toBe(403);
    expect((await call(adminCookie, 'POST', '/api/v2/alerts', [{ labels: { alertname: 'ByAdmin' } }])).status).toBe(200);
  });
});

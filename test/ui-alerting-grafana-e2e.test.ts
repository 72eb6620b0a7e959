/**
 * Grafana-managed alerting end to end in Chromium against `sightline --target all`: a webhook contact point made and
 * test-sent in the UI, the default policy pointed at it in the policy tree editor, an alert rule created in the UI
 * on a metric of an instrumented app (prom-client, scraped every second) with a preview graph; the metric crosses
 * the threshold, the rule fires and the loopback webhook receives it; a silence made from the alert in the UI stops
 * the repeats; expiring it in the UI lets the notification through again; the metric drops and the resolved
 * notification arrives. Screenshots of each step in dist/test-artifacts/ui-alerting-grafana/.
 */
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAlertingStack, startInstrumentedApp, startWebhook } from './helpers/alerting-stack.js';
import { waitFor, type SpawnedSightline } from './helpers/process.js';
import { artifactsDir, buildWebApp, chromiumAvailable, launchChromium, signIn, stopSightline } from './ui-browser.js';
import { requirePeer } from './ui-peers.js';

const PASSWORD = 'grafana-e2e-admin-password';
const enabled = requirePeer('Chromium', chromiumAvailable(), 'chromium');

describe.runIf(enabled)('Grafana-managed alerting in Chromium: rule → firing → webhook → silence → expire → resolved', () => {
  let sightline: SpawnedSightline;
  let base: string;
  let browser: BrowserContext;
  let page: Page;
  let app: Awaited<ReturnType<typeof startInstrumentedApp>>;
  let hook: Awaited<ReturnType<typeof startWebhook>>;
  const shots = artifactsDir('ui-alerting-grafana');
  let step = 0;
  const shot = async (name: string) => page.screenshot({ path: join(shots, `${String(++step).padStart(2, '0')}-${name}.png`), fullPage: true });
  const ruleMessages = (status?: string) => hook.messages.filter((m) => m.commonLabels.alertname === 'QueueBacklog' && (!status || m.status === status));

  beforeAll(async () => {
    const [webDir, b, a, h] = await Promise.all([buildWebApp(), launchChromium(), startInstrumentedApp(), startWebhook()]);
    [browser, app, hook] = [b, a, h];
    const s = await startAlertingStack(app.port, PASSWORD, `, static_dir: ${JSON.stringify(webDir)}`);
    sightline = s.sightline;
    base = `http://127.0.0.1:${s.ports.ui}`;
    page = browser.pages()[0] ?? (await browser.newPage());
    await signIn(page, base, PASSWORD);
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await stopSightline(sightline);
    await Promise.all([app?.close(), hook?.close()]);
  });

  it('runs the whole alerting flow from the UI', async () => {
    // 1. Contact point: webhook, tested, saved.
    await page.goto(`${base}/alerting/notifications`);
    await page.click('[data-testid=add-contact-point]');
    await page.fill('input[name=name]', 'oncall-hook');
    await page.selectOption('select[name=type]', 'webhook');
    await page.fill('input[name=url]', hook.url);
    await page.click('[data-testid=contact-point-test]');
    await expect.poll(() => page.locator('[data-testid=contact-point-test-result]').textContent(), { timeout: 10_000 }).toBe('Test notification sent.');
    expect(hook.messages.some((m) => m.commonLabels.alertname === 'TestAlert')).toBe(true);
    await shot('contact-point-tested');
    await page.click('button:has-text("Save contact point")');
    await page.waitForURL(/\/alerting\/notifications$/);
    await expect.poll(() => page.locator('[data-testid=grafana-contact-point]').textContent(), { timeout: 10_000 }).toContain('oncall-hook');

    // 2. The default policy routes to it, repeating every 2s (so that a silence visibly stops repeats).
    await page.goto(`${base}/alerting/routes`);
    await page.click('[data-testid=edit-policies]');
    const root = page.locator('[data-testid=policy-edit][data-path=root]');
    await root.locator('select[name=receiver]').first().selectOption('oncall-hook');
    await root.locator('input[name=repeat_interval]').first().fill('2s');
    await shot('policy-editor');
    await page.click('[data-testid=policies-save]');
    await page.waitForURL(/\/alerting\/routes$/);
    await expect.poll(() => page.locator('[data-testid=policy]').first().textContent(), { timeout: 10_000 }).toContain('→ oncall-hook');

    // 3. The alert rule, with a preview of the query.
    app.queueDepth.set(2);
    await page.goto(`${base}/alerting/list`);
    await page.click('[data-testid=new-alert-rule]');
    await page.fill('input[name=title]', 'QueueBacklog');
    await page.fill('textarea[name=expr]', 'checkout_queue_depth');
    await page.click('[data-testid=rule-preview-run]');
    await expect.poll(() => page.locator('[data-testid=rule-preview]').textContent(), { timeout: 10_000 }).toContain('1 series');
    await page.selectOption('select[name=evaluator]', 'gt');
    await page.fill('input[name=threshold]', '5');
    await page.fill('input[name=folder]', 'checkout');
    await page.fill('input[name=group]', 'queues');
    await page.fill('input[name=interval]', '1');
    await page.fill('input[name=for]', '1s');
    await page.fill('textarea[name=labels]', 'team=checkout');
    await page.fill('input[name=summary]', 'queue depth is {{ $value }}');
    await shot('rule-editor');
    await page.click('button:has-text("Save rule and exit")');
    await page.waitForURL(/\/alerting\/list$/);
    const row = page.locator('[data-testid=grafana-rule]', { hasText: 'QueueBacklog' });
    await expect.poll(() => row.locator('[data-testid=rule-state]').textContent(), { timeout: 10_000 }).toBe('Normal');
    await shot('rule-normal');

    // 4. Over the threshold: firing, delivered to the webhook.
    app.queueDepth.set(12);
    const firing = await waitFor(() => ruleMessages('firing')[0], 15_000, 'firing notification');
    expect(firing.receiver).toBe('oncall-hook');
    expect(firing.alerts[0].labels).toMatchObject({ alertname: 'QueueBacklog', team: 'checkout', grafana_folder: 'checkout' });
    expect(firing.alerts[0].annotations.summary).toBe('queue depth is 12');
    await page.reload();
    await expect.poll(() => row.locator('[data-testid=rule-state]').textContent(), { timeout: 10_000 }).toBe('Firing');
    expect(await row.locator('[data-testid=grafana-rule-alert]').textContent()).toContain('team=checkout');
    await shot('rule-firing');
    // The firing rule links to its query in Explore.
    await row.locator('[data-testid=rule-explore]').click();
    await page.waitForURL(/\/explore\?ds=prometheus&expr=checkout_queue_depth/);

    // 5. Silenced from the alert in the UI: the repeats stop.
    await page.goto(`${base}/alerting/groups?filter=${encodeURIComponent('alertname="QueueBacklog"')}`);
    await expect.poll(() => page.locator('[data-testid=am-alert]').count(), { timeout: 10_000 }).toBe(1);
    await page.click('[data-testid=silence-alert]');
    await page.waitForURL(/\/alerting\/silence\/new\?/);
    await page.fill('textarea[name=comment]', 'working on the queue');
    await shot('silence-editor');
    await page.click('[data-testid=save-silence]');
    await page.waitForURL(/\/alerting\/silences$/);
    await expect.poll(() => page.locator('[data-testid=silence-row][data-state=active]').count(), { timeout: 10_000 }).toBe(1);
    // a flush already under way may still land; after that, nothing for longer than two repeat intervals
    await new Promise((r) => setTimeout(r, 1500));
    const during = ruleMessages().length;
    await new Promise((r) => setTimeout(r, 5000));
    expect(ruleMessages().length).toBe(during);
    await shot('silenced');

    // 6. Expired in the UI: the notification arrives again.
    await page.click('[data-testid=expire-silence]');
    await expect.poll(() => page.locator('[data-testid=silence-row][data-state=expired]').count(), { timeout: 10_000 }).toBe(1);
    await waitFor(() => ruleMessages('firing').length > during || undefined, 10_000, 'firing notification after the silence expired');
    await shot('silence-expired');

    // 7. Below the threshold: resolved.
    app.queueDepth.set(1);
    const resolved = await waitFor(() => ruleMessages('resolved')[0], 15_000, 'resolved notification');
    expect(resolved.alerts[0].status).toBe('resolved');
    await page.goto(`${base}/alerting/list`);
    await expect.poll(() => row.locator('[data-testid=rule-state]').textContent(), { timeout: 10_000 }).toBe('Normal');
    await shot('rule-resolved');
  }, 60_000);
});

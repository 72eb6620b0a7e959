import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertmanagerConfig } from '../../alertmanager/index.js';
import { openUiDatabase, type UiDatabase } from '../db/open.js';
import { AlertingConfigStore } from './alerting-config.js';
import { REDACTED, redactContactPoint } from './contact-points.js';
import { SecretBox } from '../auth/secret-box.js';

const BASE = `route: { receiver: ops }
receivers:
  - name: ops
    webhook_configs: [{ url: 'http://127.0.0.1:9/ops' }]
`;

describe('the alerting configuration document', () => {
  let db: UiDatabase;
  const applied: AlertmanagerConfig[] = [];
  let store: AlertingConfigStore;
  beforeAll(async () => {
    db = await openUiDatabase({ type: 'sqlite', path: join(mkdtempSync(join(tmpdir(), 'alerting-cfg-')), 'ui.db') });
    store = new AlertingConfigStore(db.db, () => BASE, async (c) => void applied.push(c), new SecretBox('test-secret-key-0123456789'));
  });
  afterAll(async () => db?.close());

  it('starts from the running alertmanager.yml, whose receivers are read-only contact points', async () => {
    const doc = await store.load();
    const [ops] = AlertingConfigStore.contactPoints(doc);
    expect(ops).toMatchObject({ name: 'ops', type: 'webhook', settings: { url: 'http://127.0.0.1:9/ops' }, provenance: 'file' });
    await expect(store.update((d) => AlertingConfigStore.updateContactPoint(d, ops.uid, { name: 'ops', type: 'webhook', settings: { url: 'http://x/' }, disableResolveMessage: false }))).rejects.toMatchObject({ status: 400 });
    expect(applied).toHaveLength(0);
  });

  it('applies a valid change and stores it; an invalid one changes nothing', async () => {
    const cp = await store.update((d) => AlertingConfigStore.addContactPoint(d, { name: 'chat', type: 'slack', settings: { url: 'http://127.0.0.1:9/slack', recipient: '#ops' }, disableResolveMessage: true }));
    expect(applied).toHaveLength(1);
    expect(applied[0].receivers.find((r) => r.name === 'chat')?.slack_configs[0]).toMatchObject({ channel: '#ops', send_resolved: false });

    // A policy naming a receiver that does not exist is refused with the Alertmanager's reason.
    await expect(store.update((d) => AlertingConfigStore.setPolicies(d, { receiver: 'nobody' }, ''))).rejects.toThrow(/nobody/);
    expect(applied).toHaveLength(1);
    expect((await store.load()).route).toEqual({ receiver: 'ops' });
    expect(applied).toHaveLength(1);

    // Renaming moves the integration to another receiver, keeping its uid; the policy using it follows.
    await store.update((d) => AlertingConfigStore.setPolicies(d, { receiver: 'ops', routes: [{ receiver: 'chat', matchers: ['team="web"'] }] }, ''));
    await store.update((d) => AlertingConfigStore.updateContactPoint(d, cp.uid, { name: 'chat-2', type: 'slack', settings: { url: 'http://127.0.0.1:9/slack' }, disableResolveMessage: false }));
    const doc = await store.load();
    expect(AlertingConfigStore.contactPoints(doc).find((c) => c.uid === cp.uid)?.name).toBe('chat-2');
    expect(doc.receivers?.map((r) => r.name)).toEqual(['ops', 'chat-2']);
    expect(doc.route?.routes?.[0].receiver).toBe('chat-2');
  });

  it('shows secrets redacted; a redacted value sent back keeps the stored secret', async () => {
    const cp = await store.update((d) => AlertingConfigStore.addContactPoint(d, { name: 'pager', type: 'pagerduty', settings: { integrationKey: 'key-123', severity: 'critical' }, disableResolveMessage: false }));
    expect(redactContactPoint(cp).settings).toEqual({ integrationKey: REDACTED, severity: 'critical' });
    await store.update((d) => AlertingConfigStore.updateContactPoint(d, cp.uid, { name: 'pager', type: 'pagerduty', settings: { integrationKey: REDACTED, severity: 'warning' }, disableResolveMessage: false }));
    expect(applied.at(-1)!.receivers.find((r) => r.name === 'pager')?.pagerduty_configs[0]).toMatchObject({ routing_key: 'key-123', severity: 'warning' });
    // Sealed in the database, whole again when read.
    const row = await db.db.selectFrom('alert_configuration').select('configuration').executeTakeFirstOrThrow();
    expect(row.configuration).not.toContain('key-123');
    expect(AlertingConfigStore.contactPoints(await store.load()).find((c) => c.uid === cp.uid)?.settings.integrationKey).toBe('key-123');
    await store.update((d) => AlertingConfigStore.deleteContactPoint(d, cp.uid, ''));
  });

  it('re-applies the stored document after a restart', async () => {
    const after: AlertmanagerConfig[] = [];
    const restarted = new AlertingConfigStore(db.db, () => BASE, async (c) => void after.push(c), new SecretBox('test-secret-key-0123456789'));
    await restarted.init();
    expect(after).toHaveLength(1);
    expect(after[0].receivers.map((r) => r.name)).toEqual(['ops', 'chat-2']);
  });
});

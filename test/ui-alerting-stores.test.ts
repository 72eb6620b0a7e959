/**
 * The Grafana-managed alerting stores on both UI databases (SQLite and PostgreSQL): rules saved, their group interval
 * shared, titles unique per folder, a group replaced, provenance kept; the Alertmanager configuration document
 * stored with its secrets sealed and read back whole.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openUiDatabase, type DatabaseOptions, type UiDatabase } from '../src/ui/index.js';
import { AlertingConfigStore } from '../src/ui/alerting/alerting-config.js';
import { AlertRuleStore } from '../src/ui/alerting/rule-store.js';
import { alertRuleSchema } from '../src/ui/alerting/rule-model.js';
import { SecretBox } from '../src/ui/auth/secret-box.js';
import { tempDir } from './helpers/process.js';
import { pgAvailable, requirePeer, startPostgres, type PostgresServer } from './ui-peers.js';

const rule = (title: string, extra: object = {}) =>
  alertRuleSchema.parse({ folderUID: 'ops', ruleGroup: 'disk', title, condition: 'A', data: [{ refId: 'A', datasourceUid: 'prometheus', model: { expr: 'node_filesystem_avail_bytes < 1e9' } }], ...extra });

describe.each(['sqlite', 'postgres'] as const)('alerting stores on %s', (kind) => {
  const enabled = kind === 'sqlite' || requirePeer('PostgreSQL', pgAvailable(), 'postgresql');
  let pg: PostgresServer | undefined;
  let db: UiDatabase;

  beforeAll(async () => {
    if (!enabled) return;
    let opts: DatabaseOptions = { type: 'sqlite', path: join(tempDir(), 'ui.db') };
    if (kind === 'postgres') {
      pg = await startPostgres();
      opts = { type: 'postgres', host: pg.host, port: pg.port, database: pg.database, user: pg.user, password: pg.password };
    }
    db = await openUiDatabase(opts);
  }, 60_000);
  afterAll(async () => {
    await db?.close();
    await pg?.stop();
  });

  it.runIf(enabled)('keeps rules, their group interval and provenance', async () => {
    const rules = new AlertRuleStore(db.db);
    const a = await rules.save(rule('DiskLow', { intervalSeconds: 30 }), 'api');
    const b = await rules.save(rule('DiskVeryLow'), '');
    expect(b.intervalSeconds).toBe(30);
    await expect(rules.save(rule('DiskLow'), '')).rejects.toThrow(/already exists/);
    await rules.save(rule('DiskVeryLow', { intervalSeconds: 10 }), '', b.uid);
    expect((await rules.get(a.uid))?.intervalSeconds).toBe(10);
    expect((await rules.list()).map((r) => [r.title, r.provenance])).toEqual([
      ['DiskLow', 'api'],
      ['DiskVeryLow', ''],
    ]);
    await expect(rules.delete(a.uid, '')).rejects.toThrow(/provenance status 'api'/);
    const replaced = await rules.replaceGroup('ops', 'disk', 60, [rule('DiskLow', { uid: a.uid })], 'api');
    expect(replaced.map((r) => r.uid)).toEqual([a.uid]);
    expect(await rules.get(b.uid)).toBeUndefined();
    expect(await rules.delete(a.uid, 'api')).toBe(true);
  });

  it.runIf(enabled)('stores the Alertmanager configuration document with sealed secrets', async () => {
    const box = new SecretBox('stores-secret-key-0123456789');
    const config = new AlertingConfigStore(db.db, () => 'route: { receiver: default }\nreceivers: [{ name: default }]\n', undefined, box);
    const cp = await config.update((d) => AlertingConfigStore.addContactPoint(d, { name: 'hook', type: 'webhook', settings: { url: 'http://127.0.0.1:9/h', username: 'u', password: 'pw-secret' }, disableResolveMessage: false }));
    await config.update((d) => AlertingConfigStore.putMuteTiming(d, { name: 'nights', time_intervals: [{ times: [{ start_time: '22:00', end_time: '24:00' }] }] }, 'create'));
    const raw = await db.db.selectFrom('alert_configuration').select('configuration').executeTakeFirstOrThrow();
    expect(raw.configuration).not.toContain('pw-secret');
    const again = new AlertingConfigStore(db.db, () => '', undefined, box);
    const doc = await again.load();
    expect(AlertingConfigStore.contactPoints(doc).find((c) => c.uid === cp.uid)?.settings).toEqual({ url: 'http://127.0.0.1:9/h', username: 'u', password: 'pw-secret' });
    expect(again.validate(doc).timeIntervals.has('nights')).toBe(true);
  });
});

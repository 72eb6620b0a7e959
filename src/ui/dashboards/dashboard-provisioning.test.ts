import { copyFileSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { openUiDatabase, type UiDatabase } from '../db/open.js';
import { DashboardProvisioner, readDashboardProviders } from './dashboard-provisioning.js';
import { DashboardSaveError, DashboardStore } from './dashboard-store.js';

const SEED = '/work/shared/seed/dashboardproviders.yaml';
let db: UiDatabase | undefined;
afterEach(async () => {
  await db?.close();
  db = undefined;
});

describe('dashboard provisioning', () => {
  it('reads the seed provider file unchanged', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dprov-'));
    mkdirSync(join(dir, 'dashboards'));
    copyFileSync(SEED, join(dir, 'dashboards', 'dashboardproviders.yaml'));
    const [p, ...more] = readDashboardProviders(dir);
    expect(more).toEqual([]);
    expect(p).toMatchObject({ name: 'default', orgId: 1, folder: '', type: 'file', disableDeletion: false, editable: true, updateIntervalSeconds: 10, allowUiUpdates: false, options: { path: '/var/lib/grafana/dashboards/default', foldersFromFilesStructure: false } });
    writeFileSync(join(dir, 'dashboards', 'bad.yaml'), 'apiVersion: 1\nproviders:\n- name: x\n  options: {}\n');
    expect(() => readDashboardProviders(dir)).toThrow(/providers\.0\.options\.path/);
    rmSync(dir, { recursive: true });
  });

  it('puts files in the provider folder or by file structure, picks up edits and removals, honours disableDeletion', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dprov-'));
    db = await openUiDatabase({ type: 'sqlite', path: join(dir, 'ui.db') });
    const store = new DashboardStore(db.db);
    const a = join(dir, 'a');
    const b = join(dir, 'b');
    mkdirSync(join(b, 'Networking'), { recursive: true });
    mkdirSync(a);
    writeFileSync(join(a, 'one.json'), JSON.stringify({ uid: 'one', title: 'One', panels: [] }));
    writeFileSync(join(a, 'broken.json'), '{ not json');
    writeFileSync(join(b, 'Networking', 'net.json'), JSON.stringify({ uid: 'net', title: 'Net' }));
    writeFileSync(join(b, 'top.json'), JSON.stringify({ uid: 'top', title: 'Top' }));
    const base = { orgId: 1, folderUid: '', type: 'file' as const, editable: true, updateIntervalSeconds: 10, allowUiUpdates: false };
    const prov = new DashboardProvisioner(
      store,
      [
        { ...base, name: 'infra', folder: 'Infrastructure', disableDeletion: true, options: { path: a, foldersFromFilesStructure: false } },
        { ...base, name: 'tree', folder: '', disableDeletion: false, options: { path: b, foldersFromFilesStructure: true } },
      ],
      pino({ level: 'silent' }),
    );
    await prov.syncAll();
    const folderOf = async (uid: string) => {
      const r = await store.byUid(uid);
      return r?.folder_uid ? (await store.folderByUid(r.folder_uid))?.title : r ? 'General' : undefined;
    };
    expect(await folderOf('one')).toBe('Infrastructure');
    expect(await folderOf('net')).toBe('Networking');
    expect(await folderOf('top')).toBe('General');
    const one = (await store.byUid('one'))!;
    expect(one).toMatchObject({ provisioned: 'infra', disable_deletion: 1, allow_ui_updates: 0, version: 1 });

    // the UI cannot save over it (allowUiUpdates false)
    await expect(store.save({ dashboard: { ...store.json(one), title: 'Edited in UI' }, folderUid: one.folder_uid, message: '', overwrite: false, user: 'admin' })).rejects.toBeInstanceOf(DashboardSaveError);

    // an edited file is picked up; an unchanged one is not saved again
    writeFileSync(join(a, 'one.json'), JSON.stringify({ uid: 'one', title: 'One renamed', panels: [] }));
    utimesSync(join(a, 'one.json'), new Date(), new Date(Date.now() + 5000));
    await prov.syncAll();
    expect(await store.byUid('one')).toMatchObject({ title: 'One renamed', version: 2 });
    expect((await store.byUid('top'))!.version).toBe(1);

    // a removed file takes its dashboard with it
    rmSync(join(b, 'top.json'));
    await prov.syncAll();
    expect(await store.byUid('top')).toBeUndefined();
    expect(await store.byUid('net')).toBeDefined();
    rmSync(dir, { recursive: true });
  });
});

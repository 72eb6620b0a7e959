import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sightlineConfigSchema } from '../config/index.js';
import { createSelfMetricsRegistry, silentLogger } from '../server/index.js';
import { startAlertmanager, type AlertmanagerComponent } from './component.js';
import { parseAlertmanagerConfig } from './config/load-config.js';

const fileYaml = (receiver: string) => `route:\n  receiver: ${receiver}\nreceivers:\n  - name: ${receiver}\n`;

/** Issue 13: the configuration the UI sets (its stored document) stays in force across `/-/reload` and SIGHUP. */
describe('a file reload with a configuration set by the UI', () => {
  const dir = mkdtempSync(join(tmpdir(), 'am-overlay-'));
  const file = join(dir, 'alertmanager.yml');
  let c: AlertmanagerComponent;
  let base: string;

  beforeAll(async () => {
    writeFileSync(file, fileYaml('from-file'));
    const config = sightlineConfigSchema.parse({ alertmanager: { listen_address: '127.0.0.1:0', config_file: file } });
    c = await startAlertmanager({ config, dataDir: dir, logger: silentLogger(), registry: createSelfMetricsRegistry() });
    base = `http://127.0.0.1:${c.ports.alertmanager}`;
  });
  afterAll(async () => c?.stop());

  const receivers = async () => ((await (await fetch(`${base}/api/v2/receivers`)).json()) as { name: string }[]).map((r) => r.name);
  const reload = async () => expect((await fetch(`${base}/-/reload`, { method: 'POST' })).status).toBe(200);

  it('keeps the UI configuration after /-/reload and SIGHUP, and the file applies again once it is cleared', async () => {
    expect(await receivers()).toEqual(['from-file']);
    await c.alertmanager.setOverlay(parseAlertmanagerConfig(fileYaml('from-ui'), 'ui'));
    expect(await receivers()).toEqual(['from-ui']);
    writeFileSync(file, fileYaml('file-edited'));
    await reload();
    expect(await receivers()).toEqual(['from-ui']);
    // The file was still read: it is what applies when the overlay goes.
    expect(c.alertmanager.fileConfig.original).toContain('file-edited');
    writeFileSync(file, fileYaml('file-edited-again'));
    process.emit('SIGHUP', 'SIGHUP');
    await expect.poll(() => c.alertmanager.fileConfig.original.includes('file-edited-again')).toBe(true);
    expect(await receivers()).toEqual(['from-ui']);
    await c.alertmanager.setOverlay(undefined);
    expect(await receivers()).toEqual(['file-edited-again']);
  });
});

import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { alertmanagerAvailable } from './helpers/alertmanager-peer.js';
import { spawnSightline, tempDir } from './helpers/process.js';

/** Issue 13's acceptance: an invalid alertmanager.yml is refused at start with its path and reason, as amtool check-config refuses it. */
describe('an invalid alertmanager.yml', () => {
  const dir = tempDir('am-bad-config-');
  const file = join(dir, 'alertmanager.yml');
  writeFileSync(file, 'route:\n  receiver: r\n  group_wait: 5x\nreceivers:\n  - name: r\n');
  writeFileSync(join(dir, 'sightline.yaml'), 'alertmanager:\n  listen_address: 127.0.0.1:0\n');

  it('stops Sightline at start with the file, the key and the reason', async () => {
    const s = spawnSightline(['--target', 'alertmanager', '--config.file', join(dir, 'sightline.yaml'), '--alertmanager.config', file, '--data-dir', join(dir, 'data')]);
    expect(await s.exited).toBe(1);
    expect(s.stderr()).toContain(`${file}: route.group_wait: not a valid duration string: "5x"`);
  }, 60_000);

  it.runIf(alertmanagerAvailable())('is refused by amtool check-config for the same reason', () => {
    const r = spawnSync('amtool', ['check-config', file], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stdout + r.stderr).toContain('not a valid duration string: "5x"');
  });
});

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Positions } from './positions.js';

describe('Positions', () => {
  it("writes Promtail's format atomically and reads it back", async () => {
    const d = mkdtempSync(join(tmpdir(), 'pos-'));
    const file = join(d, 'sub', 'positions.yaml');
    const p = new Positions({ filename: file, ignoreInvalidYaml: false });
    p.put('/var/log/a.log', 1234, { dev: 1, ino: 2 });
    p.put('/var/log/b c.log', 0);
    await p.close();
    expect(readFileSync(file, 'utf8')).toBe('positions:\n  /var/log/a.log: "1234"\n  /var/log/b c.log: "0"\n');
    const q = new Positions({ filename: file, ignoreInvalidYaml: false });
    expect(q.get('/var/log/a.log')).toBe(1234);
    expect(q.identity('/var/log/a.log')).toEqual({ dev: 1, ino: 2 });
    expect(q.has('/var/log/b c.log')).toBe(true);
    expect(q.get('/nope')).toBe(0);
  });

  it('reads a file Promtail wrote; refuses invalid YAML unless ignore_invalid_yaml', () => {
    const d = mkdtempSync(join(tmpdir(), 'pos-'));
    const file = join(d, 'positions.yaml');
    writeFileSync(file, 'positions:\n  /var/log/pods/x/0.log: "77"\n');
    expect(new Positions({ filename: file, ignoreInvalidYaml: false }).get('/var/log/pods/x/0.log')).toBe(77);
    writeFileSync(file, 'positions: [\n');
    expect(() => new Positions({ filename: file, ignoreInvalidYaml: false })).toThrow(/invalid yaml positions file/);
    expect(new Positions({ filename: file, ignoreInvalidYaml: true }).snapshot()).toEqual({});
  });

  it("keeps journal cursors (Promtail's journal-<job> keys) as strings beside file offsets", async () => {
    const d = mkdtempSync(join(tmpdir(), 'pos-'));
    const file = join(d, 'positions.yaml');
    writeFileSync(file, 'positions:\n  /var/log/a.log: "5"\n  journal-systemd: s=8ab;i=3f2;b=1c;m=9;t=5f;x=77\n');
    const p = new Positions({ filename: file, ignoreInvalidYaml: false });
    expect(p.getCursor('journal-systemd')).toBe('s=8ab;i=3f2;b=1c;m=9;t=5f;x=77');
    p.putCursor('journal-systemd', 's=8ab;i=3f3;b=1c;m=a;t=60;x=78');
    await p.close();
    expect(readFileSync(file, 'utf8')).toBe('positions:\n  /var/log/a.log: "5"\n  journal-systemd: s=8ab;i=3f3;b=1c;m=a;t=60;x=78\n');
    expect(new Positions({ filename: file, ignoreInvalidYaml: false }).getCursor('journal-systemd')).toBe('s=8ab;i=3f3;b=1c;m=a;t=60;x=78');
  });

  it('while the clients are busy writes once per sync_period; once they are idle, within the short interval', async () => {
    const d = mkdtempSync(join(tmpdir(), 'pos-'));
    const file = join(d, 'positions.yaml');
    let busy = true;
    const p = new Positions({ filename: file, ignoreInvalidYaml: false, minWriteIntervalMs: 10, syncPeriodMs: 60_000, busy: () => busy });
    const written = () => {
      try {
        return readFileSync(file, 'utf8');
      } catch {
        return '';
      }
    };
    p.put('/a.log', 1);
    await new Promise((r) => setTimeout(r, 50));
    p.put('/a.log', 2);
    await new Promise((r) => setTimeout(r, 300));
    // Busy since the start (last write at 0): the sync period has passed once, so the first change is written...
    expect(written()).toContain('/a.log: "');
    const first = written();
    p.put('/a.log', 3);
    await new Promise((r) => setTimeout(r, 300));
    // ...but the next one waits for the sync period while busy.
    expect(written()).toBe(first);
    busy = false;
    p.schedule();
    await new Promise((r) => setTimeout(r, 300));
    expect(written()).toContain('/a.log: "3"');
    await p.close();
  });
});

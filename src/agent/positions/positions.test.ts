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
});

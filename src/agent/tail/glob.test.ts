import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PathGlob } from './glob.js';

describe('PathGlob', () => {
  it('matches as doublestar does', () => {
    const g = new PathGlob('/var/log/**/*.log');
    expect(g.match('/var/log/a.log')).toBe(true);
    expect(g.match('/var/log/x/y/a.log')).toBe(true);
    expect(g.match('/var/log/a.txt')).toBe(false);
    expect(g.match('/var/loga.log')).toBe(false);
    expect(new PathGlob('/var/log/pods/*abc/c/*.log').match('/var/log/pods/ns_p_abc/c/0.log')).toBe(true);
    expect(new PathGlob('/var/log/pods/*abc/c/*.log').match('/var/log/pods/ns_p_abc/c/0.log.gz')).toBe(false);
    expect(new PathGlob('/l/{a,b}.log').match('/l/b.log')).toBe(true);
    expect(new PathGlob('/l/[!a]?.log').match('/l/bc.log')).toBe(true);
    expect(new PathGlob('/l/[!a]?.log').match('/l/ac.log')).toBe(false);
    expect(new PathGlob('/l/**').match('/l/x/y')).toBe(true);
  });

  it('expands against the filesystem, including ** at any depth', () => {
    const d = mkdtempSync(join(tmpdir(), 'glob-'));
    mkdirSync(join(d, 'a/b/c'), { recursive: true });
    for (const f of ['x.log', 'a/y.log', 'a/b/c/z.log', 'a/b/c/z.txt']) writeFileSync(join(d, f), '');
    expect(new PathGlob(`${d}/**/*.log`).expand()).toEqual([join(d, 'a/b/c/z.log'), join(d, 'a/y.log'), join(d, 'x.log')]);
    expect(new PathGlob(`${d}/a/*/c/*`).expand()).toEqual([join(d, 'a/b/c/z.log'), join(d, 'a/b/c/z.txt')]);
    expect(new PathGlob(`${d}/x.log`).expand()).toEqual([join(d, 'x.log')]);
    expect(new PathGlob(`${d}/nope/*.log`).expand()).toEqual([]);
  });
});

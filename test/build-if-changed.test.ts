import { mkdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, tempDir } from './helpers/process.js';
// @ts-expect-error -- a plain ESM script (runs before any build), no type declarations
import { PARTS, fingerprint, staleParts, writeStamp } from '../scripts/build-if-changed.mjs';

type Part = { name: string; stamp: string; output: string; sources: string[] };
const names = (root: string): string[] => (staleParts(root) as Part[]).map((p) => p.name);

function touch(root: string, rel: string, when: Date): void {
  mkdirSync(join(root, rel, '..'), { recursive: true });
  writeFileSync(join(root, rel), 'x');
  utimesSync(join(root, rel), when, when);
}

describe('npm start builds only what changed', () => {
  it('rebuilds a part when its output is missing or a source changed since its last build, and no other', () => {
    const root = tempDir();
    const t0 = new Date(Date.now() - 60_000);
    for (const f of ['package.json', 'src/cli/main.ts', 'ui/src/App.tsx']) touch(root, f, t0);
    expect(names(root)).toEqual(['server', 'web UI']);
    const built = new Date(Date.now() - 30_000);
    for (const part of PARTS as Part[]) {
      touch(root, part.output, built);
      writeStamp(root, part, fingerprint(root, part));
    }
    expect(names(root)).toEqual([]);
    touch(root, 'ui/src/components/Explore.tsx', new Date());
    expect(names(root)).toEqual(['web UI']);
    touch(root, 'src/metrics/index.ts', new Date());
    expect(names(root)).toEqual(['server', 'web UI']);
  });

  it('rebuilds when a source is deleted or put back with an older modification time (git reset, an extracted archive)', () => {
    const root = tempDir();
    const t0 = new Date(Date.now() - 60_000);
    for (const f of ['package.json', 'src/cli/main.ts', 'src/lib/old.ts', 'ui/src/App.tsx']) touch(root, f, t0);
    const server = (PARTS as Part[])[0];
    const buildAll = () => {
      for (const part of PARTS as Part[]) {
        touch(root, part.output, new Date());
        writeStamp(root, part, fingerprint(root, part));
      }
    };
    buildAll();
    expect(names(root)).toEqual([]);
    rmSync(join(root, 'src/lib/old.ts'));
    expect(names(root)).toEqual(['server']);
    buildAll();
    touch(root, 'src/cli/main.ts', new Date(t0.getTime() - 3_600_000));
    expect(names(root)).toEqual(['server']);
    expect(server.sources).toContain('src');
  });

  it('is what `npm start` runs first', () => {
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.prestart).toBe('node scripts/build-if-changed.mjs');
  });
});

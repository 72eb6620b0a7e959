#!/usr/bin/env node
// `npm start`'s pre-step: build the server (tsc → dist) and the web app (vite → dist/web) only when their
// sources changed since the last successful build of that part. `npm run build` always rebuilds both.
// Each part's stamp file records a successful build as a fingerprint of its sources (every file's path, size and
// modification time): a file edited, added, deleted or put back with an older time (a `git reset`, an archive
// extracted) changes it. A failed build leaves no stamp, so the next start retries.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

/** A hash of the path, size and modification time of every file under `part.sources` of `root` (recursively). */
export function fingerprint(root, part) {
  const hash = createHash('sha1');
  const walk = (rel) => {
    const p = join(root, rel);
    if (!existsSync(p)) return;
    const st = statSync(p);
    if (st.isDirectory()) {
      for (const e of readdirSync(p).sort()) if (e !== 'node_modules') walk(join(rel, e));
    } else hash.update(`${rel}\0${st.size}\0${st.mtimeMs}\n`);
  };
  for (const rel of part.sources) walk(rel);
  return hash.digest('hex');
}

const shared = ['package.json', 'package-lock.json', 'tsconfig.json'];
export const PARTS = [
  { name: 'server', sources: ['src', 'tsconfig.build.json', 'scripts/bundle-agent.mjs', 'scripts/bundle-server.mjs', 'scripts/esbuild-bundle.mjs', ...shared], stamp: 'dist/.build-stamp-server', output: 'dist/cli/main.js', build: ['npm', ['run', 'build:server']] },
  { name: 'web UI', sources: ['ui', ...shared], stamp: 'dist/.build-stamp-web', output: 'dist/web/index.html', build: ['npm', ['run', 'build:ui']] },
];

/** The parts whose output is missing or whose sources differ from those of their last successful build. */
export function staleParts(root, parts = PARTS) {
  return parts.filter((part) => {
    const stamp = join(root, part.stamp);
    if (!existsSync(stamp) || !existsSync(join(root, part.output))) return true;
    return readFileSync(stamp, 'utf8').trim() !== fingerprint(root, part);
  });
}

/**
 * Record a successful build of the sources whose fingerprint was `print` when it started: a file saved during the
 * build differs from it and rebuilds next time.
 */
export function writeStamp(root, part, print) {
  const stamp = join(root, part.stamp);
  mkdirSync(dirname(stamp), { recursive: true });
  writeFileSync(stamp, `${print}\n`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(import.meta.dirname, '..');
  const stale = staleParts(root);
  for (const part of PARTS) {
    if (!stale.includes(part)) {
      process.stderr.write(`sightline: ${part.name} is up to date (no source changed since the last build)\n`);
      continue;
    }
    process.stderr.write(`sightline: building the ${part.name} (sources changed since the last build)\n`);
    const print = fingerprint(root, part);
    execFileSync(part.build[0], part.build[1], { cwd: root, stdio: 'inherit' });
    writeStamp(root, part, print);
  }
}

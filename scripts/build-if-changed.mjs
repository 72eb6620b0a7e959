#!/usr/bin/env node
// `npm start`'s pre-step: build the server (tsc → dist) and the web app (vite → dist/web) only when their
// sources are newer than the last successful build of that part. `npm run build` always rebuilds both.
// Each part's stamp file records a successful build; a failed build leaves no stamp, so the next start retries.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

/** Newest modification time (ms) of the files under `paths` of `root` (files or directories, recursively). */
function newest(root, paths) {
  let max = 0;
  const walk = (p) => {
    if (!existsSync(p)) return;
    const st = statSync(p);
    if (st.isDirectory()) {
      for (const e of readdirSync(p)) if (e !== 'node_modules') walk(join(p, e));
    } else if (st.mtimeMs > max) max = st.mtimeMs;
  };
  for (const p of paths) walk(join(root, p));
  return max;
}

const shared = ['package.json', 'package-lock.json', 'tsconfig.json'];
export const PARTS = [
  { name: 'server', sources: ['src', 'tsconfig.build.json', 'scripts/bundle-agent.mjs', 'scripts/bundle-server.mjs', 'scripts/esbuild-bundle.mjs', ...shared], stamp: 'dist/.build-stamp-server', output: 'dist/cli/main.js', build: ['npm', ['run', 'build:server']] },
  { name: 'web UI', sources: ['ui', ...shared], stamp: 'dist/.build-stamp-web', output: 'dist/web/index.html', build: ['npm', ['run', 'build:ui']] },
];

/** The parts whose output is missing or older than one of their sources. */
export function staleParts(root, parts = PARTS) {
  return parts.filter((part) => {
    const stamp = join(root, part.stamp);
    if (!existsSync(stamp) || !existsSync(join(root, part.output))) return true;
    return newest(root, part.sources) > statSync(stamp).mtimeMs;
  });
}

/** Record a successful build that started at `started`: a file saved during the build is newer and rebuilds next time. */
export function writeStamp(root, part, started) {
  const stamp = join(root, part.stamp);
  mkdirSync(dirname(stamp), { recursive: true });
  writeFileSync(stamp, `${started.toISOString()}\n`);
  utimesSync(stamp, started, started);
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
    const started = new Date();
    execFileSync(part.build[0], part.build[1], { cwd: root, stdio: 'inherit' });
    writeStamp(root, part, started);
  }
}

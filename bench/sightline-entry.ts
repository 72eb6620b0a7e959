import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');

/**
 * The Node arguments that run Sightline as `npm start` does: the built `dist/cli/main.js`, built first if a source
 * changed (scripts/build-if-changed.mjs, npm start's own pre-step). Benchmarks measure this, not the TypeScript
 * loader (`--import tsx` adds ~30 MB of resident memory and start-up time that no user pays).
 */
export function sightlineEntry(): string[] {
  execFileSync(process.execPath, [join(ROOT, 'scripts/build-if-changed.mjs')], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  return [join(ROOT, 'dist/cli/main.js')];
}

import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
/** As package.json's `start` and src/cli/main.ts's shebang. */
export const NODE_FLAGS = ['--max-semi-space-size=4'];

/**
 * The Node arguments that run Sightline as `npm start` does: the built `dist/cli/main.js`, built first if a source
 * changed (scripts/build-if-changed.mjs, npm start's own pre-step). Benchmarks measure this, not the TypeScript
 * loader (`--import tsx` adds ~30 MB of resident memory and start-up time that no user pays). With the V8 flags of
 * `npm start` and the `sightline` command's shebang: a young generation of 4 MiB semi-spaces (docs/performance.md).
 */
export function sightlineEntry(): string[] {
  execFileSync(process.execPath, [join(ROOT, 'scripts/build-if-changed.mjs')], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  return [...NODE_FLAGS, join(ROOT, 'dist/cli/main.js')];
}

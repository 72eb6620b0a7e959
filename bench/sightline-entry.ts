import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

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

/**
 * The `sightline` command as installed (package.json's bin, bin/sightline: node with the flags each target starts
 * with), built first as sightlineEntry() does, for a process started as users start it: `sh bin/sightline <args>`.
 * Given another build's `dist/cli/main.js`, that tree's launcher, or undefined where that tree has none (an earlier
 * commit: run its main.js with NODE_FLAGS).
 */
export function sightlineCommand(main?: string): string[] | undefined {
  if (main === undefined) {
    sightlineEntry();
    return ['/bin/sh', join(ROOT, 'bin/sightline')];
  }
  const launcher = join(dirname(main), '../../bin/sightline');
  return existsSync(launcher) ? ['/bin/sh', launcher] : undefined;
}

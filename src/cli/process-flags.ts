import { setFlagsFromString } from 'node:v8';

/**
 * Imported first by `main.ts` (before any other module loads): when the process runs
 * the agent alone (`--target agent`, a DaemonSet on every node), V8's young generation stays at its initial size
 * (`--semi-space-growth-factor=1`, which V8 reads whenever it would grow the new space, so it can be set at run
 * time where `--max-semi-space-size` is read only at start-up). By default it grows to 2 × 16 MiB while modules load
 * and lines are shipped: ~30 MB of resident memory a node agent should not hold. The agent allocates little per
 * line (lines stay bytes), so the extra scavenges cost little CPU (docs/agent.md, Figures). Every other target, and
 * a node started with its own semi-space flags, keeps V8's behaviour.
 */
export function isAgentTarget(argv: readonly string[]): boolean {
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--target=agent' || (argv[i] === '--target' && argv[i + 1] === 'agent')) return true;
  }
  return false;
}

if (isAgentTarget(process.argv.slice(2)) && !process.execArgv.some((a) => a.startsWith('--semi-space-growth-factor') || a.startsWith('--max-semi-space-size'))) {
  setFlagsFromString('--semi-space-growth-factor=1');
}

import { setFlagsFromString } from 'node:v8';

/**
 * Imported first by `main.ts` (before any other module loads): when the process runs
 * the agent alone (`--target agent`, a DaemonSet on every node), V8's young generation stays at its initial size
 * (`--semi-space-growth-factor=1`, which V8 reads whenever it would grow the new space, so it can be set at run
 * time where `--max-semi-space-size` is read only at start-up). Otherwise it grows while modules load and lines are
 * shipped, up to the 4 MiB semi-spaces that `npm start`, the `sightline` command (bin/sightline) and main.js's
 * shebang allow every target (`--max-semi-space-size=4`, a ceiling: the agent stays under it): 6 MB of resident
 * memory a node agent should not hold. (The agent's flags that V8 reads only at start-up are bin/sightline's.) The agent allocates little per line (lines stay bytes), so the extra scavenges cost little CPU
 * (docs/agent.md, Figures). Every other target keeps V8's behaviour, and so does an agent whose node is given its own
 * `--semi-space-growth-factor` (command line or NODE_OPTIONS).
 */
export function isAgentTarget(argv: readonly string[]): boolean {
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--target=agent' || (argv[i] === '--target' && argv[i + 1] === 'agent')) return true;
  }
  return false;
}

/** Whether to pin the young generation: the agent target, unless node's own flags set its growth. */
export function pinsYoungGeneration(argv: readonly string[], execArgv: readonly string[], nodeOptions = ''): boolean {
  const own = [...execArgv, ...nodeOptions.split(/\s+/)].some((a) => a.startsWith('--semi-space-growth-factor'));
  return isAgentTarget(argv) && !own;
}

if (pinsYoungGeneration(process.argv.slice(2), process.execArgv, process.env.NODE_OPTIONS)) {
  setFlagsFromString('--semi-space-growth-factor=1');
}

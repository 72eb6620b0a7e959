#!/usr/bin/env -S node --max-semi-space-size=4
// The target's V8 flags first (process-flags.ts), then everything else: statically imported, the other modules
// would all be loaded (and V8's young generation grown) before the flags are set.
import { existsSync } from 'node:fs';
import { isAgentTarget } from './process-flags.js';

// The log agent runs from its bundle where `npm run build` made one (dist/agent-bundle, scripts/bundle-agent.mjs):
// the same modules, tree-shaken and minified, for a smaller resident set on every node (docs/agent.md, Figures).
const agentBundle = new URL('../agent-bundle/run.js', import.meta.url);
if (isAgentTarget(process.argv.slice(2)) && existsSync(agentBundle)) await import(agentBundle.href);
else await import('./run.js');

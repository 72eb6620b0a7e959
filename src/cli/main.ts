#!/usr/bin/env -S node --max-semi-space-size=4
// The target's V8 flags first (process-flags.ts), then everything else: statically imported, the other modules
// would all be loaded (and V8's young generation grown) before the flags are set.
import { existsSync } from 'node:fs';
import { isAgentTarget } from './process-flags.js';

// Every target runs from a bundle where `npm run build` made one: the same modules, tree-shaken and minified, for a
// smaller resident set — the log agent from its own (dist/agent-bundle, scripts/bundle-agent.mjs; docs/agent.md,
// Figures), the other targets from the server's (dist/server-bundle, scripts/bundle-server.mjs: one chunk per
// component, loaded when the target runs it; docs/performance.md). Without one (tests under tsx), run.js.
const bundle = new URL(isAgentTarget(process.argv.slice(2)) ? '../agent-bundle/run.js' : '../server-bundle/run.js', import.meta.url);
if (existsSync(bundle)) await import(bundle.href);
else await import('./run.js');

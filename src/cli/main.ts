#!/usr/bin/env -S node --max-semi-space-size=4
// The target's V8 flags first (process-flags.ts), then everything else: statically imported, the other modules
// would all be loaded (and V8's young generation grown) before the flags are set.
import './process-flags.js';

await import('./run.js');

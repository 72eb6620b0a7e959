import { createRequire } from 'node:module';

const load = createRequire(import.meta.url);

/**
 * A Node built-in module loaded on the first call of the returned function instead of at import. Every built-in a
 * process loads is compiled from the node binary (its source and code cache) and stays resident for the process's
 * life, with the built-ins it needs in turn: `node:https` with `node:tls` and `node:crypto` costs ~1 MB, and the log
 * agent on every node loads them only when a URL or listener is https or a stage hashes (docs/agent.md, Figures).
 * Used where a module needs a built-in on some paths only; `import type` still names its types.
 */
export function lazyBuiltin<M>(specifier: `node:${string}`): () => M {
  let mod: M | undefined;
  return () => (mod ??= load(specifier) as M);
}

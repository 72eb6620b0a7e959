#!/usr/bin/env node
// The log agent's start path as one tree-shaken, minified bundle (dist/agent-bundle/run.js), which
// src/cli/main.ts loads for `--target agent` in place of dist/cli/run.js: the same modules and the same zod schemas,
// but only the code the agent reaches. Unbundled, Node loads every file of every package the agent imports —
// zod 4's entry loads all ~64 of its locales — and keeps each module's full source text in the heap
// (docs/agent.md, Figures). Run by `npm run build:server` after tsc, so the bundle is always built from the same
// sources as dist/.
//
// Dynamic imports that leave src/agent (the other targets, the CLI's subcommands, the banner, Loki's decoders for a
// `loki_push_api` job) stay imports of tsc's dist/ output (dist/agent-bundle/../<dir>/x.js), so the bundle holds
// only the agent. Native and CommonJS packages that resolve files at run time (snappy, pino's transports) are left
// to node_modules.
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleInto, runWhenMain } from './esbuild-bundle.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SRC = join(ROOT, 'src');
const AGENT = join(SRC, 'agent');

/** Packages loaded from node_modules: native addons, and pino (its transports and workers are files it resolves). */
const EXTERNAL_PACKAGES = ['snappy', 'pino', 'better-sqlite3', 'fs-ext'];

/** A dynamic import that leaves src/agent becomes an import of tsc's output beside the bundle. */
const dynamicImportsToDist = {
  name: 'dynamic-imports-to-dist',
  setup(b) {
    b.onResolve({ filter: /^\.\.?\//, namespace: 'file' }, (args) => {
      if (args.kind !== 'dynamic-import') return undefined;
      const target = resolve(args.resolveDir, args.path);
      if (target.startsWith(AGENT + '/')) return undefined;
      // src/x/y.js → dist/x/y.js, seen from dist/agent-bundle/.
      return { path: '../' + relative(SRC, target).split('\\').join('/'), external: true };
    });
  },
};

/**
 * The CommonJS packages left to node_modules are loaded with `require` (the banner's), not `import`: Node's ESM
 * loader finds a CommonJS module's exports by parsing its source with a WebAssembly lexer (cjs-module-lexer), whose
 * instance and V8's WebAssembly code stay resident (~0.35 MB for pino and snappy, docs/agent.md, Figures).
 */
const REQUIRED_PACKAGES = new Set(['snappy', 'pino']);

/**
 * Packages required at the first call of one of their functions instead of at start: the native snappy addon costs
 * ~5 MB of resident memory once loaded (its code, two threads of its own and their malloc arenas, the node binary's
 * symbol-table pages its dynamic linking touches; docs/agent.md, Figures: the eighth pass), and an agent that has
 * shipped nothing (no file yet) or only reads its config never calls it. A name imported but not listed here fails
 * the build (esbuild: no matching export).
 */
const LAZY_FUNCTIONS = { snappy: ['compress', 'compressSync', 'uncompress', 'uncompressSync'] };
const requireExternals = {
  name: 'require-externals',
  setup(b) {
    b.onResolve({ filter: /^[a-z]/ }, (args) => {
      if (!REQUIRED_PACKAGES.has(args.path)) return undefined;
      if (args.namespace === 'require-external') return { path: args.path, external: true };
      return { path: args.path, namespace: 'require-external' };
    });
    b.onLoad({ filter: /.*/, namespace: 'require-external' }, (args) => {
      const lazy = LAZY_FUNCTIONS[args.path];
      if (lazy === undefined) return { contents: `module.exports = require(${JSON.stringify(args.path)});`, loader: 'js' };
      const load = `let loaded;\nconst load = () => (loaded ??= require(${JSON.stringify(args.path)}));\n`;
      return { contents: load + lazy.map((f) => `export const ${f} = (...args) => load().${f}(...args);`).join('\n'), loader: 'js' };
    });
  },
};

/**
 * prom-client's index evaluates its `Pushgateway` module at load, and that module requires `https` (with `tls` and
 * `crypto`) and `zlib` at its top: ~1 MB resident for a class the agent never uses. The index's export becomes a
 * getter, so the (bundled, lazily initialized) module runs only if something reads `Pushgateway`.
 */
const lazyPushgateway = {
  name: 'lazy-pushgateway',
  setup(b) {
    b.onLoad({ filter: /[\\/]prom-client[\\/]index\.js$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      const eager = "exports.Pushgateway = require('./lib/pushgateway');";
      if (!source.includes(eager)) throw new Error(`${args.path}: prom-client's Pushgateway export changed; update lazyPushgateway`);
      const lazy = "Object.defineProperty(exports, 'Pushgateway', { enumerable: true, get: () => require('./lib/pushgateway') });";
      return { contents: source.replace(eager, lazy), loader: 'js' };
    });
  },
};

/**
 * The `long` package compiles a small WebAssembly module at load (its 64-bit multiply and divide), which starts V8's
 * WebAssembly engine: ~0.6 MB of the node binary's code resident for the process's life (docs/agent.md, Figures:
 * the eighth pass). The agent reaches `long` only through src/lib/protobuf's index (the push encoder uses its
 * varint writer, not its `WireReader`), and esbuild keeps a module with top-level statements even when none of its
 * exports is used. Marked free of side effects, `long` is bundled only if something uses it.
 */
const longWithoutSideEffects = {
  name: 'long-without-side-effects',
  setup(b) {
    b.onResolve({ filter: /^long$/ }, async (args) => {
      if (args.pluginData === 'long') return undefined;
      const resolved = await b.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, importer: args.importer, pluginData: 'long' });
      return { ...resolved, sideEffects: false };
    });
  },
};

/** Build the bundle into `outdir` (default dist/agent-bundle); returns esbuild's metafile. */
export function bundleAgent(outdir = join(ROOT, 'dist/agent-bundle')) {
  return bundleInto(outdir, { run: join(SRC, 'cli/run.ts') }, { external: EXTERNAL_PACKAGES, plugins: [dynamicImportsToDist, requireExternals, lazyPushgateway, longWithoutSideEffects] });
}

await runWhenMain(import.meta.url, bundleAgent);

#!/usr/bin/env node
// Every target but the agent as one tree-shaken, minified bundle (dist/server-bundle), which src/cli/main.ts loads in
// place of tsc's dist/cli/run.js: the same modules, but a few chunks of minified code instead of ~1,000 files, so
// less source text, fewer module records and less bytecode in the heap (idle `--target mimir` ~94 → ~86 MB resident,
// `--target all` ~126 → ~109 MB; docs/performance.md). Code splitting keeps the lazy loading of src/cli/sightline.ts:
// each component is a chunk that is loaded when the target runs it. Run by `npm run build:server` after tsc.
//
// Worker threads need entry files of their own: each pool's worker module is a bundle entry (WORKERS), and the
// pools' `new URL('./worker.js', import.meta.url)` is rewritten to name that entry beside the chunk (all chunks are
// in one directory). Native and CommonJS packages that resolve files at run time (snappy, better-sqlite3, pino's
// transports) and the AWS SDK (loaded only when an S3 store opens) stay in node_modules. Names are kept
// (`keepNames`): pino logs an error's class name as its `type`. Bundled CommonJS code has no `__dirname`: its only
// uses (grpc-js's channelz and xDS .proto files) are in functions Sightline never calls (no channelz service); the
// files the modules read at run time — package.json (version), dist/web (the UI) — are two levels up from
// dist/server-bundle as from dist/<dir>/.
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleInto, runWhenMain } from './esbuild-bundle.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SRC = join(ROOT, 'src');
/** Packages loaded from node_modules. */
const EXTERNAL_PACKAGES = ['snappy', 'pino', 'better-sqlite3', 'fs-ext', 'pg', '@aws-sdk/*'];

/** Worker entries: bundle entry name → the worker module under src/. */
const WORKERS = {
  'promql-worker': 'metrics/promql/pool/worker.ts',
  'logql-worker': 'logs/logql/pool/worker.ts',
  'traceql-worker': 'traces/traceql/pool/worker.ts',
  'trace-block-writer': 'traces/blocks/block-writer-worker.ts',
};
const workerBySource = new Map(Object.entries(WORKERS).map(([name, file]) => [join(SRC, file), name]));

/** `new URL('./x.js', import.meta.url)` of a pool's worker module → the URL of its entry beside the bundle's chunks. */
const workerUrls = {
  name: 'worker-urls',
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8');
      if (!text.includes('import.meta.url')) return undefined;
      const out = text
        .split('\n')
        .map((line) =>
          /^\s*(\/?\*|\/\/)/.test(line)
            ? line
            : line.replace(/new URL\('(\.\/[^']+)\.js', import\.meta\.url\)/g, (m, rel) => {
                const name = workerBySource.get(resolve(dirname(args.path), rel + '.ts'));
                if (!name) throw new Error(`${relative(ROOT, args.path)}: ${m} is not a bundled worker entry`);
                return `new URL('./${name}.js', import.meta.url)`;
              }),
        )
        .join('\n');
      return { contents: out, loader: 'ts' };
    });
  },
};

/** Build the bundle into `outdir` (default dist/server-bundle); returns esbuild's metafile. */
export function bundleServer(outdir = join(ROOT, 'dist/server-bundle')) {
  const entryPoints = { run: join(SRC, 'cli/run.ts'), ...Object.fromEntries(Object.entries(WORKERS).map(([n, f]) => [n, join(SRC, f)])) };
  return bundleInto(outdir, entryPoints, { keepNames: true, external: EXTERNAL_PACKAGES, plugins: [workerUrls] });
}

await runWhenMain(import.meta.url, bundleServer);

// What the agent's and the server's bundles (bundle-agent.mjs, bundle-server.mjs) share: esbuild's options for a
// tree-shaken, minified ES-module bundle of Sightline for Node 20, split into chunks, built into a fresh directory,
// and the command-line entry of such a script.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

/**
 * Bundle `entryPoints` into `outdir` (emptied first: chunk names carry a content hash, so the previous build's
 * chunks would stay beside the new ones) with `options` on top of the shared ones; returns esbuild's metafile.
 */
export async function bundleInto(outdir, entryPoints, options) {
  rmSync(outdir, { recursive: true, force: true });
  const result = await build({
    entryPoints,
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    minify: true,
    sourcemap: true,
    // CommonJS packages inside the bundle (prom-client...) require Node's built-ins.
    banner: { js: "import{createRequire as __sightlineRequire}from'node:module';const require=__sightlineRequire(import.meta.url);" },
    logLevel: 'warning',
    metafile: true,
    ...options,
  });
  return result.metafile;
}

/** Run `bundle(outdir?)` when `scriptUrl` is the script node was started with (`node scripts/bundle-x.mjs [outdir]`). */
export async function runWhenMain(scriptUrl, bundle) {
  if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(scriptUrl)) {
    await bundle(process.argv[2] ? resolve(process.argv[2]) : undefined);
  }
}

import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * A `worker_threads` worker running the ES module at `entry` (a URL made with `new URL('./x.js', import.meta.url)`).
 * Built code (`dist/`) runs the `.js` file directly. From source (tests, `node --import tsx`), where the calling
 * module is a `.ts` file, the worker starts a bootstrap that registers tsx's loader and then imports the `.ts` entry:
 * workers do not inherit the main thread's module hooks.
 */
export function startModuleWorker(entry: URL, callerUrl: string, opts: WorkerOptions = {}): Worker {
  if (!callerUrl.endsWith('.ts')) return new Worker(entry, opts);
  const tsEntry = new URL(entry.href.replace(/\.js$/, '.ts'));
  // The package's ESM build of tsx's API (its `import` condition), found beside the CommonJS one `require` resolves.
  const tsxApi = pathToFileURL(createRequire(fileURLToPath(callerUrl)).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
  const boot = `import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(tsEntry.href)}); });`;
  return new Worker(boot, { ...opts, eval: true });
}

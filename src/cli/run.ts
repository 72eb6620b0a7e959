import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError, releaseSchemasAfterUse } from '../config/index.js';
import { createLogger } from '../server/index.js';
import { USAGE, UsageError, parseCliArgs } from './args.js';
import { wantBanner } from './banner-wanted.js';
import { loadSightlineConfig } from './load-config.js';
import { startSightline } from './sightline.js';
import { version } from '../lib/version.js';

async function main(argv: string[]): Promise<number> {
  // The subcommands and the banner are imported when used: `check` loads the rules engine, the banner the UI's
  // account store; a node agent (`--target agent`) should not hold either (docs/agent.md, Figures).
  if (argv[0] === 'check') return (await import('./check.js')).runCheck(argv.slice(1));
  if (argv[0] === 'tokens') {
    const out = { stdout: (s: string) => process.stdout.write(s), stderr: (s: string) => process.stderr.write(s) };
    return (await import('./tokens.js')).runTokens(argv.slice(1), out, () => readFileSync(0, 'utf8'));
  }
  if (argv[0] === 'export') return (await import('./export.js')).runExport(argv.slice(1), { stdout: (s: string) => process.stdout.write(s), stderr: (s: string) => process.stderr.write(s) });
  let opts;
  let config;
  try {
    opts = parseCliArgs(argv);
    if (opts.help) {
      process.stdout.write(USAGE);
      return 0;
    }
    if (opts.version) {
      process.stdout.write(`sightline, version ${version()} (node ${process.version})\n`);
      return 0;
    }
    // The log agent validates its configuration (sightline.yaml, promtail.yaml, file_sd files) and then only ships:
    // its zod schemas become garbage after each use instead of staying in the heap (docs/agent.md, Figures).
    if (opts.target === 'agent') releaseSchemasAfterUse();
    config = loadSightlineConfig(opts);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`sightline: ${e.message}\n\n${USAGE}`);
      return 2;
    }
    if (e instanceof ConfigError) {
      process.stderr.write(`sightline: invalid configuration: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
  const logger = createLogger(config.server.log_level);
  let running;
  try {
    running = await startSightline({ config, dataDir: opts.dataDir, target: opts.target, logger });
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`sightline: invalid configuration: ${e.message}\n`);
      return 1;
    }
    logger.fatal({ err: e }, 'failed to start');
    logger.flush();
    return 1;
  }
  logger.info({ version: version(), target: opts.target, dataDir: opts.dataDir, ports: running.ports }, 'Sightline started');
  if (wantBanner(process.stdout.isTTY)) {
    const { formatBanner, uiLogin } = await import('./banner.js');
    const dataDir = resolve(opts.dataDir);
    const login = running.ports.ui !== undefined ? await uiLogin(config, dataDir) : undefined;
    process.stdout.write(formatBanner({ config, dataDir, version: version(), ports: running.ports, tls: running.tls, uiLogin: login }));
  }
  await new Promise<void>((resolveStop) => {
    const onSignal = (sig: NodeJS.Signals) => {
      logger.info({ signal: sig }, 'shutting down');
      running.stop().then(resolveStop, resolveStop);
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  });
  logger.info('stopped');
  logger.flush();
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`sightline: ${(e as Error).stack ?? String(e)}\n`);
    process.exitCode = 1;
  },
);

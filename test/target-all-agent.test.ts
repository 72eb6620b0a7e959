import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadSightlineConfig, parseCliArgs, startSightline, type RunningSightline } from '../src/cli/index.js';
import { silentLogger } from '../src/server/index.js';
import { STORES_ON_PORT_0, tempDir } from './helpers/process.js';

// `--target all` runs the log agent only when a Promtail configuration is given; without one the agent's module
// (its pipeline stages, tailer, push client: ~1 MB of heap) is not even loaded (docs/performance.md, rss21p).
const agentModule = vi.hoisted(() => ({ imports: 0 }));
vi.mock('../src/agent/index.js', async (importOriginal) => {
  agentModule.imports++;
  return importOriginal();
});

describe('--target all and the log agent', () => {
  let running: RunningSightline | undefined;

  afterEach(async () => {
    await running?.stop();
    running = undefined;
  });

  async function startAll(extra: string[]): Promise<RunningSightline> {
    const dir = tempDir('sightline-all-agent-');
    writeFileSync(join(dir, 'sightline.yaml'), [...STORES_ON_PORT_0, 'alertmanager: { listen_address: 127.0.0.1:0 }', 'ui: { listen_address: 127.0.0.1:0 }', ...extra, ''].join('\n'));
    const config = loadSightlineConfig(parseCliArgs(['--config.file', join(dir, 'sightline.yaml'), '--data-dir', join(dir, 'data')]));
    return startSightline({ config, dataDir: join(dir, 'data'), target: 'all', logger: silentLogger() });
  }

  it('without a promtail.yaml the agent module is not loaded and no agent listens', async () => {
    running = await startAll([]);
    expect(running.ports.prometheus).toBeTypeOf('number');
    expect(running.ports.agent).toBeUndefined();
    expect(agentModule.imports).toBe(0);
  }, 60_000);

  it('with a promtail.yaml the agent is loaded and listens', async () => {
    const dir = tempDir('sightline-all-promtail-');
    const promtail = join(dir, 'promtail.yaml');
    writeFileSync(
      promtail,
      ['server: { http_listen_address: 127.0.0.1, http_listen_port: 0 }', `positions: { filename: ${join(dir, 'positions.yaml')} }`, 'scrape_configs: []', ''].join('\n'),
    );
    running = await startAll([`agent: { promtail_config_file: ${promtail} }`]);
    expect(agentModule.imports).toBe(1);
    expect(running.ports.agent).toBeTypeOf('number');
  }, 60_000);
});

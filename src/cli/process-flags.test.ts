import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isAgentTarget, pinsYoungGeneration } from './process-flags.js';

describe('process flags', () => {
  it('recognises the agent target in both flag forms only', () => {
    expect(isAgentTarget(['--target', 'agent', '--promtail.config', 'p.yaml'])).toBe(true);
    expect(isAgentTarget(['--config.file', 'x', '--target=agent'])).toBe(true);
    expect(isAgentTarget(['--target', 'logs'])).toBe(false);
    expect(isAgentTarget(['--promtail.config', 'agent'])).toBe(false);
    expect(isAgentTarget([])).toBe(false);
  });

  it("pins the agent's young generation under the launcher's semi-space ceiling, not against node's own growth flag", () => {
    const agent = ['--target', 'agent'];
    expect(pinsYoungGeneration(agent, ['--max-semi-space-size=4'])).toBe(true);
    expect(pinsYoungGeneration(agent, ['--max-semi-space-size=4', '--semi-space-growth-factor=2'])).toBe(false);
    expect(pinsYoungGeneration(agent, [], '--semi-space-growth-factor=2')).toBe(false);
    expect(pinsYoungGeneration(['--target', 'logs'], ['--max-semi-space-size=4'])).toBe(false);
  });

  it("keeps V8's young generation at its initial size once set, however much is allocated", () => {
    const script = `import(${JSON.stringify(join(import.meta.dirname, 'process-flags.ts'))}).then(async () => {
      const v8 = await import('node:v8');
      let keep = [];
      for (let i = 0; i < 2e6; i++) { keep.push({ i, s: 'x' + i }); if (keep.length > 50000) keep = []; }
      const ns = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
      console.log(ns.space_size);
    });`;
    const file = join(mkdtempSync(join(tmpdir(), 'flags-')), 'probe.mjs');
    writeFileSync(file, script);
    // With the launcher's ceiling (`npm start`, the shebang): 4 MiB semi-spaces, 8 MiB of new space if it grows.
    const run = (target: string) => Number(execFileSync(process.execPath, ['--max-semi-space-size=4', '--import', 'tsx', file, '--target', target], { encoding: 'utf8' }).trim());
    const agent = run('agent');
    const logs = run('logs');
    expect(agent).toBeLessThanOrEqual(4 * 1024 * 1024);
    expect(logs).toBeGreaterThan(agent);
  });
});

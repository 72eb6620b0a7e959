import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, tempDir } from './helpers/process.js';

/**
 * bin/sightline, the `sightline` command (package.json's bin): node with every target's flags, and the log agent's
 * start-up flags for `--target agent` alone (docs/agent.md, Figures: the ninth pass). Run here in a tree laid out as
 * the package (bin/, dist/cli/main.js) whose main.js reports the node flags and arguments it was started with.
 */
describe('the sightline command', () => {
  let root: string;

  beforeAll(() => {
    root = tempDir('sightline-command-');
    mkdirSync(join(root, 'bin'));
    mkdirSync(join(root, 'dist', 'cli'), { recursive: true });
    copyFileSync(join(REPO_ROOT, 'bin', 'sightline'), join(root, 'bin', 'sightline'));
    writeFileSync(join(root, 'dist', 'cli', 'main.js'), 'console.log(JSON.stringify({ node: process.execArgv, args: process.argv.slice(2) }));\n');
    // As npm installs a package's bin: a symbolic link in another directory.
    mkdirSync(join(root, 'node_modules', '.bin'), { recursive: true });
    symlinkSync(join(root, 'bin', 'sightline'), join(root, 'node_modules', '.bin', 'sightline'));
  });

  afterAll(() => rmSync(root, { recursive: true, force: true }));

  function run(args: string[], command = join(root, 'bin', 'sightline')): { node: string[]; args: string[] } {
    return JSON.parse(execFileSync('/bin/sh', [command, ...args], { encoding: 'utf8' })) as { node: string[]; args: string[] };
  }

  it('runs the log agent with TurboFan on its main thread and without Sparkplug, whichever way --target is spelt', () => {
    for (const target of [['--target', 'agent'], ['--target=agent']]) {
      const args = [...target, '--promtail.config', 'promtail yaml with spaces.yaml'];
      expect(run(args)).toEqual({ node: ['--max-semi-space-size=4', '--no-concurrent-recompilation', '--no-sparkplug'], args });
    }
  });

  it('runs every other target with the flags of npm start only', () => {
    for (const args of [[], ['--target', 'logs'], ['--target=all', '--config.file', 'agent'], ['--config.file', '--target']]) {
      expect(run(args)).toEqual({ node: ['--max-semi-space-size=4'], args });
    }
  });

  it('finds its tree through the symbolic link npm installs', () => {
    expect(run(['--target', 'agent'], join(root, 'node_modules', '.bin', 'sightline'))).toEqual({
      node: ['--max-semi-space-size=4', '--no-concurrent-recompilation', '--no-sparkplug'],
      args: ['--target', 'agent'],
    });
  });
});

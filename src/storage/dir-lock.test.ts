import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, tempDir } from '../../test/helpers/process.js';
import { DirLockedError, lockDir } from './index.js';

function holdInChild(dir: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'test/helpers/hold-dir-lock.ts'), dir], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  const held = new Promise<void>((res, rej) => {
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('held') && res());
    child.on('exit', (c) => rej(new Error(`child exited ${c}`)));
  });
  const exited = new Promise<void>((res) => child.on('exit', () => res()));
  return { child, held, exited };
}

describe('lockDir', () => {
  it('refuses a second live holder, and is free again the moment the holder is killed -9', async () => {
    const dir = tempDir();
    const c = holdInChild(dir);
    await c.held;
    expect(() => lockDir(dir)).toThrow(DirLockedError);
    c.child.kill('SIGKILL');
    await c.exited;
    const release = lockDir(dir); // immediately, no stale-lock timeout
    expect(readFileSync(join(dir, 'lock'), 'utf8').trim()).toBe(String(process.pid));
    release();
  });

  it('is not blocked by a lock file naming a live process that holds no lock (pid reuse)', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'lock'), String(process.ppid));
    const release = lockDir(dir);
    expect(() => lockDir(dir)).toThrow('in use by this process');
    release();
    lockDir(dir)();
  });
});

import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const heldHere = new Set<string>();

export class DirLockedError extends Error {
  constructor(dir: string, holder: string) {
    super(`TSDB directory ${dir} is in use by ${holder}`);
    this.name = 'DirLockedError';
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * A `lock` file holding the owner's pid, as Prometheus keeps one in its data directory: a second process (or a
 * second open in this one) is refused; a lock left by a dead process (kill -9) is taken over.
 */
export function lockDir(dir: string): () => void {
  const abs = resolve(dir);
  const path = join(abs, 'lock');
  if (heldHere.has(abs)) throw new DirLockedError(abs, 'this process');
  let holder = NaN;
  try {
    holder = Number(readFileSync(path, 'utf8').trim());
  } catch {
    // no lock
  }
  if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && alive(holder)) throw new DirLockedError(abs, `process ${holder}`);
  writeFileSync(path, String(process.pid));
  heldHere.add(abs);
  return () => {
    heldHere.delete(abs);
    rmSync(path, { force: true });
  };
}

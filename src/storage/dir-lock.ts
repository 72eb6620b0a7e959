import { closeSync, ftruncateSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import fsExt from 'fs-ext';

const heldHere = new Set<string>();

export class DirLockedError extends Error {
  constructor(dir: string, holder: string) {
    super(`directory ${dir} is in use by ${holder}`);
    this.name = 'DirLockedError';
  }
}

/**
 * An exclusive lock on a data directory, held through an OS-level `flock` on `<dir>/lock` (as Prometheus's
 * fileutil.Flock). The kernel releases it when the holder dies, so a `kill -9` followed by an immediate restart
 * starts, a stale pid in the file or a reused pid never blocks a start, and two live processes (or two opens in
 * one process) cannot share the directory. The file keeps the holder's pid for people reading it. Returns the
 * release function.
 */
export function lockDir(dir: string): () => void {
  const abs = resolve(dir);
  mkdirSync(abs, { recursive: true });
  if (heldHere.has(abs)) throw new DirLockedError(abs, 'this process');
  const fd = openSync(join(abs, 'lock'), 'a+');
  try {
    fsExt.flockSync(fd, 'exnb');
  } catch (e) {
    closeSync(fd);
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EAGAIN' || code === 'EWOULDBLOCK') throw new DirLockedError(abs, 'another process');
    throw e;
  }
  ftruncateSync(fd, 0);
  writeSync(fd, `${process.pid}\n`);
  heldHere.add(abs);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    heldHere.delete(abs);
    // Closing the descriptor drops the lock; the file stays, so a process that opened it meanwhile locks the same inode.
    closeSync(fd);
  };
}

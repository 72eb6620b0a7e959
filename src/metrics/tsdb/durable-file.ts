import { closeSync, fsyncSync, openSync, renameSync, writeSync } from 'node:fs';

/** Files of a block written so that they survive a machine crash once the call returns. */

export function writeFileSynced(path: string, data: Uint8Array): void {
  const fd = openSync(path, 'w');
  try {
    let off = 0;
    while (off < data.length) off += writeSync(fd, data, off, data.length - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Replace `path` with `data`: written beside it, fsynced, renamed over it (readers see the old or the new file). */
export function replaceFile(path: string, data: Uint8Array): void {
  writeFileSynced(`${path}.tmp`, data);
  renameSync(`${path}.tmp`, path);
}

export function fsyncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // not supported on every platform
  }
}

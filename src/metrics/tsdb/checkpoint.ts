import { closeSync, fsyncSync, openSync, readFileSync, readdirSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { FRAME_HEADER, readFrames, writeFrame } from '../../storage/index.js';

/**
 * WAL checkpoints: `checkpoint.NNNNNNNN` beside the segments holds, framed as WAL records, the series (and metadata)
 * still alive when segments below NNNNNNNN were deleted. Replay reads the newest checkpoint, then the segments from
 * NNNNNNNN on. Written to a temporary name, fsynced and renamed, so a crash leaves the previous one valid.
 */
const CHECKPOINT_RE = /^checkpoint\.(\d{8})$/;

export function latestCheckpoint(walDir: string): { path: string; index: number } | undefined {
  let best: { path: string; index: number } | undefined;
  let names: string[];
  try {
    names = readdirSync(walDir);
  } catch {
    return undefined;
  }
  for (const n of names) {
    const m = CHECKPOINT_RE.exec(n);
    if (m && (!best || Number(m[1]) > best.index)) best = { path: join(walDir, n), index: Number(m[1]) };
  }
  return best;
}

/** Call `fn` for every record of a checkpoint file (a corrupt tail is ignored). */
export function readCheckpoint(path: string, fn: (payload: Buffer) => void): void {
  readFrames(readFileSync(path), 0, fn);
}

export function writeCheckpoint(walDir: string, index: number, records: Iterable<Uint8Array>): string {
  const name = `checkpoint.${String(index).padStart(8, '0')}`;
  const tmp = join(walDir, `${name}.tmp`);
  const fd = openSync(tmp, 'w');
  try {
    let buf = Buffer.allocUnsafe(1 << 20);
    let len = 0;
    const drain = () => {
      let off = 0;
      while (off < len) off += writeSync(fd, buf, off, len - off);
      len = 0;
    };
    for (const r of records) {
      if (len + FRAME_HEADER + r.length > buf.length) {
        drain();
        if (FRAME_HEADER + r.length > buf.length) buf = Buffer.allocUnsafe(FRAME_HEADER + r.length);
      }
      len = writeFrame(buf, len, r);
    }
    drain();
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  const path = join(walDir, name);
  renameSync(tmp, path);
  for (const n of readdirSync(walDir)) {
    const m = CHECKPOINT_RE.exec(n);
    if (m && Number(m[1]) < index) rmSync(join(walDir, n), { force: true });
    if (n.endsWith('.tmp') && n !== `${name}.tmp`) rmSync(join(walDir, n), { force: true });
  }
  return path;
}

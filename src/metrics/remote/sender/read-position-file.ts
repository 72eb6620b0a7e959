import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { WalPosition } from '../../storage/index.js';

/**
 * The sender's durable progress: everything before `position` is delivered (or dropped for a 4xx). While a round
 * of sends is under way, `round` says where it ends, how many shards split it and how many samples of each shard
 * are already delivered — so a restarted sender re-reads the same records, skips exactly what was acknowledged and
 * never resends an acknowledged sample (a receiver would refuse it as out of order, and with it the new ones).
 */
export interface SenderProgress {
  position: WalPosition;
  round?: { end: WalPosition; shards: number; acked: number[] };
}

export function loadProgress(file: string): SenderProgress | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const p = JSON.parse(text) as SenderProgress;
  if (typeof p.position?.segment !== 'number' || typeof p.position?.offset !== 'number') throw new Error(`${file}: not a remote-write progress file`);
  return p;
}

/** Write to a temporary file, fsync, rename over the old one: a crash leaves either the old or the new content. */
export function saveProgress(file: string, p: SenderProgress): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, JSON.stringify(p));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}

export function comparePositions(a: WalPosition, b: WalPosition): number {
  return a.segment !== b.segment ? a.segment - b.segment : a.offset - b.offset;
}

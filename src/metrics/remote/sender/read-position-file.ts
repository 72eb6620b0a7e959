import { closeSync, fsyncSync, mkdirSync, openSync, readSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { crc32 } from 'node:zlib';
import type { WalPosition } from '../../storage-api/index.js';

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

const SLOT = 64 * 1024;
const HEADER = 16; // u32 length, u32 CRC-32 of (seq + JSON), f64 sequence number

/**
 * A small file of two alternating slots, each `[length][crc][seq][json]`: every save overwrites the older slot with
 * one positioned write, so a crash mid-write (torn slot, bad CRC) leaves the other, previous state intact. Loading
 * takes the valid slot with the higher sequence number. Cheap enough to save after every acknowledged request.
 */
export class ProgressFile {
  private fd = -1;
  private seq = 0;

  constructor(readonly path: string) {}

  load(): SenderProgress | undefined {
    let fd: number;
    try {
      fd = openSync(this.path, 'r');
    } catch {
      return undefined;
    }
    let best: { seq: number; p: SenderProgress } | undefined;
    try {
      for (let slot = 0; slot < 2; slot++) {
        const buf = Buffer.alloc(SLOT);
        const n = readSync(fd, buf, 0, SLOT, slot * SLOT);
        if (n < HEADER) continue;
        const len = buf.readUInt32LE(0);
        if (len === 0 || HEADER + len > n) continue;
        const body = buf.subarray(8, HEADER + len);
        if (crc32(body) !== buf.readUInt32LE(4)) continue;
        const seq = buf.readDoubleLE(8);
        const p = JSON.parse(buf.subarray(HEADER, HEADER + len).toString()) as SenderProgress;
        if (typeof p.position?.segment !== 'number' || typeof p.position?.offset !== 'number') continue;
        if (!best || seq > best.seq) best = { seq, p };
      }
    } finally {
      closeSync(fd);
    }
    if (best) this.seq = best.seq;
    return best?.p;
  }

  save(p: SenderProgress, sync: boolean): void {
    const json = Buffer.from(JSON.stringify(p));
    if (HEADER + json.length > SLOT) throw new Error(`remote-write progress too large (${json.length} bytes)`);
    if (this.fd < 0) {
      mkdirSync(dirname(this.path), { recursive: true });
      this.fd = openSync(this.path, 'a+');
      closeSync(this.fd);
      this.fd = openSync(this.path, 'r+');
    }
    this.seq++;
    const buf = Buffer.allocUnsafe(HEADER + json.length);
    buf.writeUInt32LE(json.length, 0);
    buf.writeDoubleLE(this.seq, 8);
    json.copy(buf, HEADER);
    buf.writeUInt32LE(crc32(buf.subarray(8)), 4);
    let off = 0;
    while (off < buf.length) off += writeSync(this.fd, buf, off, buf.length - off, (this.seq % 2) * SLOT + off);
    if (sync) fsyncSync(this.fd);
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}

/** Read the progress saved at `path` (undefined when there is none). */
export function loadProgress(path: string): SenderProgress | undefined {
  return new ProgressFile(path).load();
}

export function comparePositions(a: WalPosition, b: WalPosition): number {
  return a.segment !== b.segment ? a.segment - b.segment : a.offset - b.offset;
}

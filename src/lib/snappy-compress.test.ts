import { uncompressSync } from 'snappy';
import { describe, expect, it } from 'vitest';
import { maxCompressedLength, snappyCompress } from './snappy-compress.js';

/** Deterministic pseudo-random bytes. */
function noise(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

function logLines(n: number): Buffer {
  let s = '';
  for (let i = 0; s.length < n; i++) s += `2026-12-05T10:${String(i % 60).padStart(2, '0')}:00.${String(i).padStart(9, '0')}Z stdout F level=info msg="request served" path=/api/v1/items/${i % 9973} status=200\n`;
  return Buffer.from(s.slice(0, n));
}

const roundTrip = (input: Buffer) => uncompressSync(snappyCompress(input), { asBuffer: true }) as Buffer;

describe('snappyCompress', () => {
  it('is read back by the snappy library, whatever the input', () => {
    const inputs: Buffer[] = [Buffer.alloc(0), Buffer.from('a'), Buffer.from('abcde'), Buffer.from('abcdef'), Buffer.from('aaaaaaaaaaaaaaaaaaaaa'), Buffer.alloc(17, 7)];
    for (const n of [15, 16, 17, 60, 61, 255, 256, 257, 4096, 65535, 65536, 65537, 65536 * 2 + 5, 300_000]) {
      inputs.push(noise(n, n), logLines(n), Buffer.alloc(n, 0x41));
      // Alike but for a byte here and there: short copies at every offset size (1- and 2-byte offsets).
      const mixed = logLines(n);
      for (let i = 0; i < n; i += 97) mixed[i] = i & 0xff;
      inputs.push(mixed);
    }
    // A long incompressible run between matches (a literal of more than 256 bytes after a copy).
    inputs.push(Buffer.concat([logLines(5000), noise(70_000, 3), logLines(5000)]));
    for (const input of inputs) expect(roundTrip(input).equals(input), `${input.length} bytes`).toBe(true);
  });

  it('compresses log lines as snappy does; incompressible bytes grow by its bound at most', () => {
    const lines = logLines(1 << 20);
    expect(snappyCompress(lines).length).toBeLessThan(lines.length / 4);
    const random = noise(1 << 20, 1);
    expect(snappyCompress(random).length).toBeLessThanOrEqual(32 + random.length + Math.floor(random.length / 6));
  });

  it('writes through the room it is given, and returns a body of its own', () => {
    const input = logLines(200_000);
    const room = Buffer.alloc(maxCompressedLength(input.length), 0xee);
    const body = snappyCompress(input, room);
    expect(body.equals(room.subarray(0, body.length))).toBe(true);
    expect(body.buffer).not.toBe(room.buffer);
    expect((uncompressSync(body, { asBuffer: true }) as Buffer).equals(input)).toBe(true);
    // Too small a room is not used.
    const small = Buffer.alloc(10, 0xee);
    expect(roundTrip(input).equals(input)).toBe(true);
    expect(snappyCompress(input, small).equals(body)).toBe(true);
    expect(small.every((b) => b === 0xee)).toBe(true);
  });

  it('reads a view into a larger buffer from its offset', () => {
    const whole = logLines(100_000);
    const view = whole.subarray(1234, 81_234);
    expect(roundTrip(view).equals(view)).toBe(true);
  });
});

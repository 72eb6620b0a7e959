/**
 * A copy of `bytes` in its own memory. `Buffer.from(bytes)` and `Buffer.concat` put a copy under 4 KiB into Node's
 * shared 8 KiB allocation pool, and the small copy keeps that whole pool slab alive: a thousand tailed files each
 * holding a few bytes between reads (a copytruncate tail, a partial line) kept ~5 MB of slabs resident
 * (docs/agent.md, Figures). What a reader keeps across reads is copied with this.
 */
export function ownedCopy(...parts: Uint8Array[]): Buffer {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = Buffer.allocUnsafeSlow(length);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

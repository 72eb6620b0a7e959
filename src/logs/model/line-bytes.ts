/**
 * Log lines as UTF-8 byte ranges of one buffer — a push body's decoded protobuf, a WAL record, or lines encoded
 * once — so the write path copies bytes from the request to the WAL record and the head block without making a
 * string per line (strings that the head would keep: the garbage collector's work grew with every line held).
 * Line i is `buf[offs[2i], offs[2i+1])`.
 */
export interface LineBytes {
  buf: Buffer;
  offs: number[];
}

/** The number of lines. */
export function lineCount(l: LineBytes): number {
  return l.offs.length >> 1;
}

/** The byte length of line i. */
export function lineByteLength(l: LineBytes, i: number): number {
  return l.offs[2 * i + 1] - l.offs[2 * i];
}

/** Line i as a string (invalid UTF-8 becomes U+FFFD, as a string decoded from the same bytes would). */
export function lineAt(l: LineBytes, i: number): string {
  return l.buf.toString('utf8', l.offs[2 * i], l.offs[2 * i + 1]);
}

/** Strings as one buffer of UTF-8 bytes and their ranges. */
export function lineBytesOf(lines: readonly string[]): LineBytes {
  let size = 0;
  for (const s of lines) size += Buffer.byteLength(s);
  const buf = Buffer.allocUnsafe(size);
  const offs = new Array<number>(lines.length * 2);
  let p = 0;
  for (let i = 0; i < lines.length; i++) {
    offs[2 * i] = p;
    p += buf.write(lines[i], p);
    offs[2 * i + 1] = p;
  }
  return { buf, offs };
}

/** Whether line i of `l` has the same bytes as line j of `m`. */
export function sameLine(l: LineBytes, i: number, m: LineBytes, j: number): boolean {
  const a = l.offs[2 * i];
  const n = l.offs[2 * i + 1] - a;
  const b = m.offs[2 * j];
  if (m.offs[2 * j + 1] - b !== n) return false;
  return l.buf.compare(m.buf, b, b + n, a, a + n) === 0;
}

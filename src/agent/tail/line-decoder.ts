import { TextDecoder } from 'node:util';
import { ownedCopy } from './owned-bytes.js';

/**
 * The per-call outputs of every decoder: valid only until the next `push`/`pushRanges` of any decoder, which the
 * reader consumes before it awaits anything. Shared, so a thousand idle files do not each keep arrays as long as
 * their largest read.
 */
const SHARED = { ends: [] as number[], lineBufs: [] as Buffer[], lineStarts: [] as number[], lineEnds: [] as number[] };

/** Drop the shared outputs' references to the last chunks read (an idle agent frees its read buffers). */
export function releaseSharedLines(): void {
  SHARED.lineBufs.length = 0;
}

/**
 * Splits a byte stream into lines: complete lines are decoded from the chunk they end in, a trailing partial line is
 * kept until its newline arrives. A trailing `\r` is removed. Lines longer than `maxBytes` are truncated to
 * `maxBytes` (`truncate`) or dropped (counted in `droppedLongLines`). `encoding` is a WHATWG label (`utf-8`,
 * `utf-16le`, `iso-8859-1`, `shift_jis`...); UTF-16 files are split on the 2-byte newline.
 */
export class LineDecoder {
  private parts: Buffer[] = [];
  private partBytes = 0;
  /** Skipping the rest of an over-long line. */
  private skipping = false;
  private lastNl = -1;
  droppedLongLines = 0;
  /**
   * For each line of the last `push`/`pushRanges`, the chunk offset just past its newline (shared by all decoders:
   * read before the next call of any decoder).
   */
  readonly ends = SHARED.ends;
  /** The lines of the last `pushRanges` (see there; shared as `ends`). */
  readonly lineBufs = SHARED.lineBufs;
  readonly lineStarts = SHARED.lineStarts;
  readonly lineEnds = SHARED.lineEnds;
  private count = 0;
  truncatedLongLines = 0;
  private readonly decoder: TextDecoder | undefined;
  private readonly utf8: boolean;
  /** 0 = 1-byte newline; 1 = UTF-16LE; 2 = UTF-16BE. */
  private readonly wide: 0 | 1 | 2;

  constructor(
    encoding: string | undefined,
    private readonly maxBytes: number,
    private readonly truncate: boolean,
  ) {
    const label = (encoding ?? 'utf-8').toLowerCase().replace(/_/g, '-');
    this.utf8 = label === 'utf-8' || label === 'utf8';
    this.decoder = this.utf8 ? undefined : new TextDecoder(label);
    const resolved = this.decoder?.encoding;
    this.wide = resolved === 'utf-16le' ? 1 : resolved === 'utf-16be' ? 2 : 0;
  }

  /** `end` without a trailing `\r` of the line `b[start..end)`. */
  private withoutCR(b: Buffer, start: number, end: number): number {
    const unit = this.wide === 0 ? 1 : 2;
    return end - start >= unit && this.isCR(b, end - unit) ? end - unit : end;
  }

  private text(b: Buffer, start: number, end: number): string {
    if (this.utf8) return b.toString('utf8', start, end);
    return this.decoder!.decode(b.subarray(start, end));
  }

  /** Lines are UTF-8: `lineBufs` ranges can be shipped as they are, without decoding. */
  get isUtf8(): boolean {
    return this.utf8;
  }

  private isCR(b: Buffer, i: number): boolean {
    if (this.wide === 0) return b[i] === 13;
    return this.wide === 1 ? b[i] === 13 && b[i + 1] === 0 : b[i] === 0 && b[i + 1] === 13;
  }

  private findNl(b: Buffer, from: number, n: number): number {
    if (this.wide === 0) {
      const i = b.indexOf(10, from);
      return i >= n ? -1 : i;
    }
    // UTF-16: the newline code unit, at an even distance from the line start.
    for (let i = from; i + 1 < n; i += 2) {
      if (this.wide === 1 ? b[i] === 10 && b[i + 1] === 0 : b[i] === 0 && b[i + 1] === 10) return i + 1;
    }
    return -1;
  }

  /** Lines completed by `b[0..n)`, as strings. */
  push(b: Buffer, n: number): string[] {
    const count = this.pushRanges(b, n);
    const out = new Array<string>(count);
    for (let i = 0; i < count; i++) out[i] = this.text(this.lineBufs[i], this.lineStarts[i], this.lineEnds[i]);
    return out;
  }

  /**
   * Lines completed by `b[0..n)`, as byte ranges (no string made): line `i` is `lineBufs[i][lineStarts[i]..
   * lineEnds[i])` — in `b` itself unless it was joined from earlier chunks — and `ends[i]` is the chunk offset just
   * past its newline. Valid until the next call of any decoder (and `b` until it is reused). Returns the number
   * of lines.
   */
  pushRanges(b: Buffer, n: number): number {
    let start = 0;
    this.lastNl = -1;
    this.count = 0;
    for (;;) {
      const nl = this.findNl(b, start, n);
      if (nl < 0) break;
      this.lastNl = nl;
      const lineEnd = this.wide === 0 ? nl : nl - 1;
      if (this.skipping) {
        this.skipping = false;
      } else if (this.partBytes > 0) {
        const whole = Buffer.concat([...this.parts, b.subarray(start, lineEnd)]);
        if (whole.length > this.maxBytes) this.overLong(whole, 0, whole.length, nl + 1);
        else this.add(whole, 0, whole.length, nl + 1);
      } else if (lineEnd - start > this.maxBytes) this.overLong(b, start, lineEnd, nl + 1);
      else this.add(b, start, lineEnd, nl + 1);
      this.parts = [];
      this.partBytes = 0;
      start = nl + 1;
    }
    if (start < n && !this.skipping) {
      if (this.partBytes + (n - start) > this.maxBytes) {
        // Too long to hold: settle it now, skip the rest until its newline.
        const whole = Buffer.concat([...this.parts, b.subarray(start, n)]);
        this.overLong(whole, 0, whole.length, n);
        this.parts = [];
        this.partBytes = 0;
        this.skipping = true;
      } else {
        this.parts.push(ownedCopy(b.subarray(start, n))); // held until its newline: not in a pool slab
        this.partBytes += n - start;
      }
    }
    return this.count;
  }

  private add(b: Buffer, start: number, end: number, nlEnd: number): void {
    const i = this.count++;
    this.lineBufs[i] = b;
    this.lineStarts[i] = start;
    this.lineEnds[i] = this.withoutCR(b, start, end);
    this.ends[i] = nlEnd;
  }

  private overLong(b: Buffer, start: number, end: number, nlEnd: number): void {
    if (this.truncate) {
      this.truncatedLongLines++;
      this.add(b, start, Math.min(end, start + this.maxBytes), nlEnd);
    } else this.droppedLongLines++;
  }

  /**
   * Bytes of the last chunk up to and including its last newline (the offset to record once its lines are
   * acknowledged); an over-long line being skipped counts as consumed.
   */
  consumedThrough(n: number): number {
    if (this.skipping) return n;
    return this.lastNl + 1;
  }

  /** The held partial line, if any, as a line (the file will not grow any more). */
  flush(): string | undefined {
    if (this.partBytes === 0) return undefined;
    const whole = Buffer.concat(this.parts);
    this.parts = [];
    this.partBytes = 0;
    return this.text(whole, 0, this.withoutCR(whole, 0, whole.length));
  }
}

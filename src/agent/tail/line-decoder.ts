import { TextDecoder } from 'node:util';
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

  private decode(b: Buffer, start: number, end: number): string {
    const unit = this.wide === 0 ? 1 : 2;
    if (end - start >= unit && this.isCR(b, end - unit)) end -= unit;
    if (this.utf8) return b.toString('utf8', start, end);
    return this.decoder!.decode(b.subarray(start, end));
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

  /** Lines completed by `b[0..n)`. */
  push(b: Buffer, n: number): string[] {
    const out: string[] = [];
    let start = 0;
    this.lastNl = -1;
    for (;;) {
      const nl = this.findNl(b, start, n);
      if (nl < 0) break;
      this.lastNl = nl;
      const lineEnd = this.wide === 0 ? nl : nl - 1;
      if (this.skipping) {
        this.skipping = false;
      } else if (this.partBytes > 0) {
        const len = this.partBytes + (lineEnd - start);
        if (len > this.maxBytes) this.overLong(out, Buffer.concat([...this.parts, b.subarray(start, lineEnd)]));
        else {
          const whole = Buffer.concat([...this.parts, b.subarray(start, lineEnd)]);
          out.push(this.decode(whole, 0, whole.length));
        }
      } else if (lineEnd - start > this.maxBytes) this.overLong(out, b.subarray(start, lineEnd));
      else out.push(this.decode(b, start, lineEnd));
      this.parts = [];
      this.partBytes = 0;
      start = nl + 1;
    }
    if (start < n && !this.skipping) {
      if (this.partBytes + (n - start) > this.maxBytes) {
        // Too long to hold: settle it now, skip the rest until its newline.
        this.overLong(out, Buffer.concat([...this.parts, b.subarray(start, n)]));
        this.parts = [];
        this.partBytes = 0;
        this.skipping = true;
      } else {
        this.parts.push(Buffer.from(b.subarray(start, n)));
        this.partBytes += n - start;
      }
    }
    return out;
  }

  private overLong(out: string[], whole: Buffer): void {
    if (this.truncate) {
      this.truncatedLongLines++;
      out.push(this.decode(whole, 0, Math.min(whole.length, this.maxBytes)));
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
    return this.decode(whole, 0, whole.length);
  }
}

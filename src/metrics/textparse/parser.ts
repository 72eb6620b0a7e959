import { Labels, METRIC_NAME, compareStrings, type Exemplar, type MetricType } from '../../model/index.js';
import type { CommentMemo } from './comment-memo.js';

/**
 * A pull parser for the Prometheus text exposition format 0.0.4 and OpenMetrics 1.0, in the manner of
 * Prometheus's `textparse.Parser`: `next()` advances to the next entry and the accessors describe it. It reads the
 * body's bytes (UTF-8; every byte the syntax cares about is ASCII, and the bytes of a multi-byte character are all
 * >= 0x80). A series entry exposes its raw metric text (`name{labels}` as written) as a byte range of the body and
 * that range's hash, computed while scanning, so that a scrape cache can find a series it has seen by its bytes;
 * plain decimal values and integer timestamps are read from the bytes; labels, exemplars, metadata and any other
 * value spelling are decoded to strings only when asked for. No object is created per sample.
 *
 * Two shortcuts for a scrape that repeats the previous one (`expectKey`, `CommentMemo`): a series line whose first
 * bytes are the key the caller expects (the series that followed the previous one last time) is not scanned for its
 * key at all, only its value (and timestamp) read; a comment line equal to the one at the same position last time is
 * not decoded. Both are byte comparisons with text parsed before, so what they produce is what parsing would.
 */
export const enum Entry {
  EOF = 0,
  Series = 1,
  Type = 2,
  Help = 3,
  Unit = 4,
  Comment = 5,
  /** A native histogram sample (protobuf format only). */
  Histogram = 6,
}

export class ExpositionParseError extends Error {
  constructor(
    readonly line: number,
    readonly reason: string,
  ) {
    super(`line ${line}: ${reason}`);
    this.name = 'ExpositionParseError';
  }
}

const TEXT_TYPES: Record<string, MetricType> = { counter: 'counter', gauge: 'gauge', histogram: 'histogram', summary: 'summary', untyped: 'unknown' };
const OM_TYPES: Record<string, MetricType> = {
  counter: 'counter',
  gauge: 'gauge',
  histogram: 'histogram',
  gaugehistogram: 'gaugehistogram',
  summary: 'summary',
  info: 'info',
  stateset: 'stateset',
  unknown: 'unknown',
};

const C_SP = 32;
const C_TAB = 9;
const C_HASH = 35;
const C_LBRACE = 123;
const C_RBRACE = 125;
const C_QUOTE = 34;
const C_BSLASH = 92;
const C_EQ = 61;
const C_COMMA = 44;
const C_MINUS = 45;
const C_DOT = 46;
/** 10^0 .. 10^15, each exact in a float64. */
const POW10 = Array.from({ length: 16 }, (_, k) => 10 ** k);

function isNameStart(c: number, metric: boolean): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || (metric && c === 58);
}
function isNameChar(c: number, metric: boolean): boolean {
  return isNameStart(c, metric) || (c >= 48 && c <= 57);
}

/** Go's strconv.ParseFloat for the spellings expositions use (NaN, +Inf, -Inf in any case, decimal, exponent). */
export function parseGoFloat(s: string): number {
  if (s.length === 0) return NaN;
  const fast = +s;
  // `+s` agrees with Go's ParseFloat for decimal numbers; hex/binary/octal integer spellings and Infinity differ.
  if (fast === fast && fast !== Infinity && fast !== -Infinity) {
    const c1 = s.charCodeAt(1) | 32;
    if (!(c1 === 120 || c1 === 98 || c1 === 111)) return fast;
  }
  const c = s.charCodeAt(0);
  if ((c >= 48 && c <= 57) || c === 46 || ((c === 45 || c === 43) && s.length > 1 && ((s.charCodeAt(1) >= 48 && s.charCodeAt(1) <= 57) || s.charCodeAt(1) === 46))) {
    if (/^[+-]?0[xX]/.test(s)) return parseFloatSpecial(s);
    return Number(s);
  }
  return parseFloatSpecial(s);
}

function parseFloatSpecial(s: string): number {
  switch (s.toLowerCase()) {
    case 'nan':
    case '+nan':
    case '-nan':
      return NaN;
    case 'inf':
    case '+inf':
    case 'infinity':
    case '+infinity':
      return Infinity;
    case '-inf':
    case '-infinity':
      return -Infinity;
  }
  const m = /^([+-]?)0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?[pP]([+-]?\d+)$/.exec(s);
  if (m) {
    const mant = parseInt((m[2] || '0') + (m[3] ?? ''), 16) / 16 ** (m[3]?.length ?? 0);
    return (m[1] === '-' ? -1 : 1) * mant * 2 ** Number(m[4]);
  }
  // Unparsable: callers tell this NaN from a written "NaN" with isFloatSyntax.
  return NaN;
}

export function isFloatSyntax(s: string): boolean {
  return /^[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|0[xX][0-9a-fA-F]*(?:\.[0-9a-fA-F]*)?[pP][+-]?\d+|[iI][nN][fF](?:[iI][nN][iI][tT][yY])?|[nN][aA][nN])$/.test(s);
}

const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 0x01000193;

/** Mixes an FNV-1a state into the final hash (murmur3's finaliser: every input bit reaches the low bits). */
function finishHash(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 0;
}

/**
 * The hash of a series' raw bytes `b[start, end)` as `ExpositionParser.keyHash` computes it while scanning (FNV-1a,
 * finalised): for keys that do not come from the text parser (protobuf, tests).
 */
export function hashSeriesKey(b: Uint8Array, start: number, end: number): number {
  let h = FNV_OFFSET;
  for (let i = start; i < end; i++) h = Math.imul(h ^ b[i], FNV_PRIME);
  return finishHash(h);
}

function asBuffer(body: string | Uint8Array): Buffer {
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  return Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
}

export class ExpositionParser {
  /** The exposition as UTF-8 bytes (the body as received; a string is encoded once). */
  readonly buf: Buffer;
  private pos = 0;
  private lineNo = 0;
  private readonly len: number;
  private sawEOF = false;

  // current series
  /** The current series' raw text (`name{labels}` as written) is `buf[keyStart, keyEnd)`. */
  keyStart = 0;
  keyEnd = 0;
  /** `hashSeriesKey(buf, keyStart, keyEnd)`, computed while the key was scanned. */
  keyHash = 0;
  value = 0;
  /** Milliseconds; NaN when the sample had no timestamp. */
  timestamp = NaN;
  private nameEnd = 0;
  private labelsChecked = true;
  private blockStart = 0;
  private lineEnd = 0;
  private ownKeyAt = -1;
  private ownKey = '';
  private exStart = -1;
  private exLine = '';
  /** Set by `scanNumber`. */
  private plainNumber = NaN;
  /** The key `expectKey` set for the next series line: `expBytes[expOff, expOff + expLen)` (expLen 0: none). */
  private expBytes: Uint8Array | undefined;
  private expOff = 0;
  private expLen = 0;
  private expHash = 0;
  /** After `next()` returned a series: its key is the one `expectKey` set (compared byte for byte). */
  matchedExpected = false;
  /** How many comment lines came before the current one (its position for the `CommentMemo`). */
  private commentIdx = 0;
  /**
   * After `next()` returned a comment entry: its line equals the `CommentMemo`'s line at the same position, and
   * `family`, `help`, `metricType`, `unit` and `comment` were NOT set for it (they still describe an earlier line):
   * the caller applies what it recorded for the line at `commentIndex` when it saw it.
   */
  repeated = false;
  /** The current comment line's position among the exposition's comment lines (0-based). */
  commentIndex = -1;

  // current metadata
  family = '';
  metricType: MetricType = 'unknown';
  help = '';
  unit = '';
  comment = '';

  constructor(
    body: string | Uint8Array,
    readonly openMetrics: boolean,
    private readonly memo?: CommentMemo,
  ) {
    this.buf = asBuffer(body);
    this.len = this.buf.length;
    memo?.useFormat(openMetrics);
  }

  /**
   * The caller expects the next series line's key (`name{labels}` as written) to be `bytes[off, off + len)` with
   * `hashSeriesKey` `hash` (a key it took from an earlier exposition). When the line starts with exactly those bytes
   * followed by a blank and carries a plain value (and in the text format a plain timestamp) and nothing else, it is
   * read without scanning the key: `matchedExpected` is then true and `keyHash` is `hash`. Anything else is parsed
   * as usual. The expectation holds until the next series line.
   */
  expectKey(bytes: Uint8Array, off: number, len: number, hash: number): void {
    this.expBytes = bytes;
    this.expOff = off;
    this.expLen = len;
    this.expHash = hash;
  }

  get line(): number {
    return this.lineNo;
  }

  /** The current series' raw text, decoded (a new string per call: prefer the key's bytes on a hot path). */
  get seriesKey(): string {
    return this.buf.toString('utf8', this.keyStart, this.keyEnd);
  }

  private fail(reason: string): never {
    throw new ExpositionParseError(this.lineNo, reason);
  }

  /** The text of `buf[from, to)` (empty when `to <= from`). */
  private text(from: number, to: number): string {
    return to <= from ? '' : this.buf.toString('utf8', from, to);
  }

  next(): Entry {
    const b = this.buf;
    const len = this.len;
    while (true) {
      if (this.pos >= len) {
        if (this.openMetrics && !this.sawEOF) {
          this.lineNo++;
          this.fail('data does not end with # EOF');
        }
        return Entry.EOF;
      }
      const start = this.pos;
      if (this.expLen > 0 && !this.sawEOF && b[start] !== C_HASH) {
        const matched = this.expectedSeries(start);
        this.expLen = 0;
        if (matched) {
          this.lineNo++;
          return Entry.Series;
        }
      }
      let end = start;
      while (end < len && b[end] !== 10) end++;
      this.pos = end + 1;
      this.lineNo++;
      if (this.sawEOF) this.fail('unexpected data after # EOF');
      if (end === start) {
        if (this.openMetrics) this.fail('unexpected empty line');
        continue;
      }
      let lineEnd = end;
      if (b[lineEnd - 1] === 13) lineEnd--; // tolerate CRLF
      const c = b[start];
      if (c === C_HASH) {
        const e = this.parseComment(start, lineEnd);
        if (e === Entry.EOF) {
          this.sawEOF = true;
          // Only the final newline may follow `# EOF`.
          if (this.pos < len) {
            this.lineNo++;
            this.fail('unexpected data after # EOF');
          }
          return Entry.EOF;
        }
        if (e === Entry.Comment && this.openMetrics) continue;
        return e;
      }
      if (!this.openMetrics && (c === C_SP || c === C_TAB)) {
        let i = start;
        while (i < lineEnd && (b[i] === C_SP || b[i] === C_TAB)) i++;
        if (i === lineEnd) continue; // whitespace-only line
        if (b[i] === C_HASH) return this.parseComment(i, lineEnd);
        this.parseSeries(i, lineEnd);
        return Entry.Series;
      }
      this.parseSeries(start, lineEnd);
      return Entry.Series;
    }
  }

  private parseComment(start: number, end: number): Entry {
    const memo = this.memo;
    if (memo === undefined) return this.decodeComment(start, end);
    const k = this.commentIdx++;
    this.commentIndex = k;
    const kind = memo.match(k, this.buf, start, end);
    if (kind >= 0) {
      this.repeated = true;
      return kind as Entry;
    }
    this.repeated = false;
    const e = this.decodeComment(start, end);
    if (e !== Entry.EOF) memo.store(k, this.buf, start, end, e);
    return e;
  }

  /** Reads the current line's key from the bytes at `start` if they are the expected key; false when not (nothing changed then). */
  private expectedSeries(start: number): boolean {
    const b = this.buf;
    const len = this.len;
    const n = this.expLen;
    const keyEnd = start + n;
    if (keyEnd >= len) return false;
    const a = this.expBytes!;
    const off = this.expOff;
    for (let k = 0; k < n; k++) if (b[start + k] !== a[off + k]) return false;
    let i = keyEnd;
    let c = b[i];
    if (c !== C_SP && c !== C_TAB) return false;
    while (i < len && (c === C_SP || c === C_TAB)) c = b[++i];
    // The value: a plain decimal up to a blank or the line's end (a CR or anything else: the general path).
    i = this.scanNumber(i, len, true);
    const value = this.plainNumber;
    if (value !== value) return false;
    c = b[i];
    while (i < len && (c === C_SP || c === C_TAB)) c = b[++i];
    let timestamp = NaN;
    if (i < len && c !== 10) {
      if (this.openMetrics) return false;
      i = this.scanNumber(i, len, false);
      timestamp = this.plainNumber;
      if (timestamp !== timestamp) return false;
      c = b[i];
      while (i < len && (c === C_SP || c === C_TAB)) c = b[++i];
      if (i < len && c !== 10) return false;
    }
    this.pos = i + 1;
    this.lineEnd = i;
    this.keyStart = start;
    this.keyEnd = keyEnd;
    this.keyHash = this.expHash;
    this.value = value;
    this.timestamp = timestamp;
    this.exStart = -1;
    this.nameEnd = -1;
    this.labelsChecked = false;
    this.matchedExpected = true;
    return true;
  }

  /** `nameEnd`, `blockStart` and `labelsChecked` of a series read by `expectedSeries` (which does not scan the key). */
  private shapeKey(): void {
    if (this.nameEnd >= 0) return;
    const b = this.buf;
    let i = this.keyStart + 1;
    while (i < this.keyEnd && isNameChar(b[i], true)) i++;
    this.nameEnd = i - this.keyStart;
    if (i < this.keyEnd) this.blockStart = i;
    else this.labelsChecked = true;
  }

  private decodeComment(start: number, end: number): Entry {
    const line = this.text(start, end);
    if (this.openMetrics && line === '# EOF') return Entry.EOF;
    // "# HELP name text", "# TYPE name type", "# UNIT name unit"
    const m = /^#[ \t]+(HELP|TYPE|UNIT)[ \t]+([^ \t]+)(?:[ \t]+|$)/.exec(line);
    if (!m) {
      if (this.openMetrics) this.fail(`invalid comment line (only # HELP, # TYPE, # UNIT and # EOF are allowed): ${JSON.stringify(truncate(line))}`);
      this.comment = line;
      return Entry.Comment;
    }
    const kw = m[1];
    const name = m[2];
    if (!isValidMetricNameStr(name)) this.fail(`${JSON.stringify(name)} is not a valid metric name in # ${kw}`);
    const rest = line.slice(m[0].length);
    this.family = name;
    if (kw === 'HELP') {
      this.help = unescapeHelp(rest, this.openMetrics);
      return Entry.Help;
    }
    if (kw === 'TYPE') {
      const tv = rest.trim();
      const mt = (this.openMetrics ? OM_TYPES : TEXT_TYPES)[this.openMetrics ? tv : tv.toLowerCase()];
      if (mt === undefined) this.fail(`invalid metric type ${JSON.stringify(tv)}`);
      this.metricType = mt;
      return Entry.Type;
    }
    if (!this.openMetrics) {
      this.comment = line;
      return Entry.Comment;
    }
    const unit = rest.trim();
    if (unit !== '' && !name.endsWith(`_${unit}`)) this.fail(`unit ${JSON.stringify(unit)} not a suffix of metric ${JSON.stringify(name)}`);
    this.unit = unit;
    return Entry.Unit;
  }

  /**
   * The end (after `}`) of a well-formed-looking label block starting at `b[i] === '{'`, its bytes mixed into the
   * key hash; -1 when the block does not look well-formed (the caller then checks it strictly). Quoted values with
   * escapes, no line break. The full, error-reporting syntax check runs only when the caller needs the labels (a
   * series not in its cache), see `labels()`.
   */
  private scanLabelBlock(i: number, end: number, h: number): number {
    const b = this.buf;
    h = Math.imul(h ^ C_LBRACE, FNV_PRIME);
    i++;
    while (i < end) {
      let c = b[i++];
      h = Math.imul(h ^ c, FNV_PRIME);
      if (c === C_RBRACE) {
        this.keyHash = finishHash(h);
        return i;
      }
      if (c === C_QUOTE) {
        while (true) {
          if (i >= end) return -1;
          c = b[i++];
          h = Math.imul(h ^ c, FNV_PRIME);
          if (c === C_QUOTE) break;
          if (c === C_BSLASH) {
            if (i >= end) return -1;
            c = b[i++];
            if (c === 10 || c === 13) return -1;
            h = Math.imul(h ^ c, FNV_PRIME);
          }
        }
      }
    }
    return -1;
  }

  private parseSeries(start: number, end: number): void {
    const b = this.buf;
    this.lineEnd = end;
    let i = start;
    if (!isNameStart(b[i], true)) this.fail(`${JSON.stringify(truncate(this.text(start, end)))} is not a valid start token`);
    let h = Math.imul(FNV_OFFSET ^ b[i], FNV_PRIME);
    i++;
    while (i < end) {
      const c = b[i];
      if (!isNameChar(c, true)) break;
      h = Math.imul(h ^ c, FNV_PRIME);
      i++;
    }
    this.nameEnd = i - start;
    this.labelsChecked = true;
    this.matchedExpected = false;
    this.expLen = 0;
    this.keyHash = finishHash(h);
    if (i < end && b[i] === C_LBRACE) {
      const blockEnd = this.scanLabelBlock(i, end, h);
      if (blockEnd >= 0) {
        this.labelsChecked = false;
        this.blockStart = i;
        i = blockEnd;
      } else {
        i = this.skipLabels(i + 1, end);
        this.keyHash = hashSeriesKey(b, start, i);
      }
    }
    this.keyStart = start;
    this.keyEnd = i;
    // value
    if (i >= end || (b[i] !== C_SP && b[i] !== C_TAB)) this.fail(`expected value after metric, got ${JSON.stringify(truncate(this.text(i, end)) || '\\n')}`);
    while (i < end && (b[i] === C_SP || b[i] === C_TAB)) i++;
    // Plain decimals (`42`, `-3`, `0.25`: most values) are read from the bytes; anything else is decoded and read
    // by `parseGoFloat`.
    let j = this.scanNumber(i, end, true);
    if (j === i) this.fail('expected value after metric, got end of line');
    if (this.plainNumber === this.plainNumber) this.value = this.plainNumber;
    else {
      const vs = this.text(i, j);
      const v = parseGoFloat(vs);
      if (v !== v && !isFloatSyntax(vs)) this.fail(`strconv.ParseFloat: parsing ${JSON.stringify(vs)}: invalid syntax`);
      this.value = v;
    }
    this.timestamp = NaN;
    this.exStart = -1;
    i = j;
    while (i < end && (b[i] === C_SP || b[i] === C_TAB)) i++;
    if (i >= end) return;
    if (b[i] !== C_HASH) {
      // Text format: integer milliseconds, read from the bytes when plain; OpenMetrics: float seconds.
      j = this.scanNumber(i, end, false);
      if (!this.openMetrics && this.plainNumber === this.plainNumber) this.timestamp = this.plainNumber;
      else {
        const ts = this.text(i, j);
        if (this.openMetrics) {
          const f = parseGoFloat(ts);
          if (!isFloatSyntax(ts) || !Number.isFinite(f)) this.fail(`invalid timestamp ${JSON.stringify(ts)}`);
          this.timestamp = Math.trunc(f * 1000);
        } else {
          if (!/^-?\d+$/.test(ts)) this.fail(`invalid timestamp ${JSON.stringify(ts)}`);
          this.timestamp = Number(ts);
        }
      }
      i = j;
      while (i < end && (b[i] === C_SP || b[i] === C_TAB)) i++;
      if (i >= end) return;
    }
    if (this.openMetrics && b[i] === C_HASH) {
      this.exStart = i;
      this.exLine = this.text(i, end);
      // Validate eagerly so a malformed exemplar fails the scrape as in Prometheus.
      this.parseExemplar();
      return;
    }
    this.fail(`expected end of line after sample, got ${JSON.stringify(truncate(this.text(i, end)))}`);
  }

  /**
   * The end of the token at `b[i]` (up to a blank, a line feed or `end`); `plainNumber` is its value when it is a plain decimal —
   * an optional minus, at most 15 digits, with `dot` at most one dot — else NaN. At most 15 digits are an exact
   * integer, and one division by an exact power of ten (<= 1e15) is correctly rounded, so the value is the float Go's
   * ParseFloat (and `Number`) give (Clinger's fast path); no string is made.
   */
  private scanNumber(i: number, end: number, dot: boolean): number {
    const b = this.buf;
    let j = i;
    const neg = j < end && b[j] === C_MINUS;
    if (neg) j++;
    let digits = 0;
    let intVal = 0;
    let frac = -1;
    let plain = true;
    while (j < end) {
      const c = b[j];
      if (c === C_SP || c === C_TAB || c === 10) break;
      if (c >= 48 && c <= 57) {
        intVal = intVal * 10 + (c - 48);
        digits++;
        if (frac >= 0) frac++;
      } else if (c === C_DOT && dot && frac < 0) frac = 0;
      else plain = false;
      j++;
    }
    if (plain && digits > 0 && digits <= 15) {
      const v = frac > 0 ? intVal / POW10[frac] : intVal;
      this.plainNumber = neg ? -v : v;
    } else this.plainNumber = NaN;
    return j;
  }

  /** Skip a `{...}` label block starting after `{`; returns the index after `}`. Validates syntax. */
  private skipLabels(i: number, end: number): number {
    const b = this.buf;
    while (true) {
      while (i < end && (b[i] === C_SP || b[i] === C_TAB)) i++;
      if (i >= end) this.fail('unexpected end of line in label set');
      let c = b[i];
      if (c === C_RBRACE) return i + 1;
      if (!isNameStart(c, false)) this.fail(`expected label name, got ${JSON.stringify(truncate(this.text(i, end)))}`);
      i++;
      while (i < end && isNameChar(b[i], false)) i++;
      while (i < end && (b[i] === C_SP || b[i] === C_TAB)) i++;
      if (i >= end || b[i] !== C_EQ) this.fail(`expected equal, got ${JSON.stringify(truncate(this.text(i, end)))}`);
      i++;
      while (i < end && (b[i] === C_SP || b[i] === C_TAB)) i++;
      if (i >= end || b[i] !== C_QUOTE) this.fail(`expected label value, got ${JSON.stringify(truncate(this.text(i, end)))}`);
      i++;
      while (true) {
        if (i >= end) this.fail('unterminated label value');
        c = b[i];
        if (c === C_BSLASH) {
          i += 2;
          continue;
        }
        if (c === C_QUOTE) break;
        i++;
      }
      i++;
      while (i < end && (b[i] === C_SP || b[i] === C_TAB)) i++;
      c = i < end ? b[i] : -1;
      if (c === C_COMMA) {
        i++;
        continue;
      }
      if (c === C_RBRACE) return i + 1;
      this.fail(`unexpected ${JSON.stringify(truncate(this.text(i, end)) || 'end of line')} in label set, expected "," or "}"`);
    }
  }

  /** The metric name of the current series. */
  metricName(): string {
    this.shapeKey();
    return this.buf.toString('latin1', this.keyStart, this.keyStart + this.nameEnd);
  }

  /** The labels of the current series, `__name__` included. Throws on duplicate label names. */
  labels(): Labels {
    this.shapeKey();
    if (!this.labelsChecked) {
      this.skipLabels(this.blockStart + 1, this.lineEnd);
      this.labelsChecked = true;
    }
    return parseSeriesLabels(this.ownSeriesKey(), this.nameEnd, this.lineNo);
  }

  /**
   * The current series' raw text as a string of its own (decoded from the bytes, so it does not keep the body
   * alive): for anything kept across scrapes.
   */
  ownSeriesKey(): string {
    if (this.ownKeyAt !== this.keyStart) {
      this.ownKeyAt = this.keyStart;
      this.ownKey = this.buf.toString('utf8', this.keyStart, this.keyEnd);
    }
    return this.ownKey;
  }

  /** The exemplar attached to the current series (OpenMetrics), if any. */
  exemplar(): Exemplar | undefined {
    if (this.exStart < 0) return undefined;
    return this.parseExemplar();
  }

  private parseExemplar(): Exemplar {
    const m = /^#[ \t]+\{([^}]*(?:"(?:[^"\\]|\\.)*"[^}]*)*)\}[ \t]+([^ \t]+)(?:[ \t]+([^ \t]+))?[ \t]*$/.exec(this.exLine);
    if (!m) this.fail(`invalid exemplar ${JSON.stringify(truncate(this.exLine))}`);
    const labels = parseSeriesLabels(`{${m[1]}}`, 0, this.lineNo);
    let runes = 0;
    labels.forEach((n, v) => (runes += [...n].length + [...v].length));
    if (runes > 128) this.fail(`exemplar labels have ${runes} runes, exceeding the limit of 128`);
    if (!isFloatSyntax(m[2])) this.fail(`invalid exemplar value ${JSON.stringify(m[2])}`);
    let ts = NaN;
    if (m[3] !== undefined) {
      const f = parseGoFloat(m[3]);
      if (!isFloatSyntax(m[3]) || !Number.isFinite(f)) this.fail(`invalid exemplar timestamp ${JSON.stringify(m[3])}`);
      ts = Math.trunc(f * 1000);
    }
    return { labels, value: parseGoFloat(m[2]), ts };
  }
}

function truncate(s: string): string {
  return s.length > 60 ? `${s.slice(0, 60)}...` : s;
}

function isValidMetricNameStr(s: string): boolean {
  if (s.length === 0 || !isNameStart(s.charCodeAt(0), true)) return false;
  for (let i = 1; i < s.length; i++) if (!isNameChar(s.charCodeAt(i), true)) return false;
  return true;
}

function unescapeHelp(s: string, om: boolean): string {
  if (!s.includes('\\')) return s;
  return s.replace(/\\(.)/g, (all, c: string) => (c === 'n' ? '\n' : c === '\\' ? '\\' : om && c === '"' ? '"' : all));
}

function unescapeValue(s: string): string {
  if (!s.includes('\\')) return s;
  return s.replace(/\\(.)/g, (all, c: string) => (c === 'n' ? '\n' : c === '\\' ? '\\' : c === '"' ? '"' : all));
}

/**
 * Decode `name{a="b",...}` (already syntax-checked) into sorted Labels. `nameEnd` is the length of the metric name
 * (0 for a bare label set). Empty label values are dropped, as Prometheus does.
 */
export function parseSeriesLabels(key: string, nameEnd: number, line = 0): Labels {
  const pairs: string[] = [];
  if (nameEnd > 0) pairs.push(METRIC_NAME, key.slice(0, nameEnd));
  let i = key.indexOf('{', nameEnd);
  if (i >= 0) {
    i++;
    const n = key.length;
    while (i < n) {
      let c = key.charCodeAt(i);
      while (c === C_SP || c === C_TAB || c === C_COMMA) c = key.charCodeAt(++i);
      if (c === C_RBRACE || i >= n) break;
      const ns = i;
      while (i < n && isNameChar(key.charCodeAt(i), false)) i++;
      const name = key.slice(ns, i);
      i = key.indexOf('"', i) + 1;
      const vs = i;
      let esc = false;
      while (i < n) {
        c = key.charCodeAt(i);
        if (c === C_BSLASH) {
          esc = true;
          i += 2;
          continue;
        }
        if (c === C_QUOTE) break;
        i++;
      }
      const raw = key.slice(vs, i);
      i++;
      pairs.push(name, esc ? unescapeValue(raw) : raw);
    }
  }
  // sort pairs by name (insertion sort: label sets are small)
  const k = pairs.length >> 1;
  const idx: number[] = new Array(k);
  for (let x = 0; x < k; x++) idx[x] = x;
  idx.sort((a, b) => compareStrings(pairs[2 * a], pairs[2 * b]));
  const flat: string[] = [];
  let prev = '';
  for (let x = 0; x < k; x++) {
    const nm = pairs[2 * idx[x]];
    if (x > 0 && nm === prev) throw new ExpositionParseError(line, `label name ${JSON.stringify(nm)} is not unique: invalid sample`);
    prev = nm;
    const v = pairs[2 * idx[x] + 1];
    if (v !== '') flat.push(nm, v);
  }
  return Labels.fromSortedFlat(flat);
}

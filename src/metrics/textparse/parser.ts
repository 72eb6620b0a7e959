import { Labels, METRIC_NAME, compareStrings, type Exemplar, type MetricType } from '../../model/index.js';

/**
 * A pull parser for the Prometheus text exposition format 0.0.4 and OpenMetrics 1.0, in the manner of
 * Prometheus's `textparse.Parser`: `next()` advances to the next entry and the accessors describe it. A series entry
 * exposes its raw metric text (`name{labels}` as written) so that a scrape cache can skip label parsing for series it
 * has seen; labels, exemplars and metadata are decoded only when asked for. No object is created per sample.
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

export class ExpositionParser {
  private pos = 0;
  private lineNo = 0;
  private readonly len: number;
  private sawEOF = false;

  // current series
  seriesKey = '';
  value = 0;
  /** Milliseconds; NaN when the sample had no timestamp. */
  timestamp = NaN;
  private nameEnd = 0;
  private labelsChecked = true;
  private blockStart = 0;
  private lineEnd = 0;
  private ownKeyFor = '';
  private ownKey = '';
  private exStart = -1;
  private exLine = '';

  // current metadata
  family = '';
  metricType: MetricType = 'unknown';
  help = '';
  unit = '';
  comment = '';

  constructor(
    private readonly text: string,
    readonly openMetrics: boolean,
  ) {
    this.len = text.length;
  }

  get line(): number {
    return this.lineNo;
  }

  private fail(reason: string): never {
    throw new ExpositionParseError(this.lineNo, reason);
  }

  next(): Entry {
    const t = this.text;
    while (true) {
      if (this.pos >= this.len) {
        if (this.openMetrics && !this.sawEOF) {
          this.lineNo++;
          this.fail('data does not end with # EOF');
        }
        return Entry.EOF;
      }
      let end = t.indexOf('\n', this.pos);
      if (end < 0) end = this.len;
      const start = this.pos;
      this.pos = end + 1;
      this.lineNo++;
      if (this.sawEOF) this.fail('unexpected data after # EOF');
      if (end === start) {
        if (this.openMetrics) this.fail('unexpected empty line');
        continue;
      }
      let lineEnd = end;
      if (t.charCodeAt(lineEnd - 1) === 13) lineEnd--; // tolerate CRLF
      const c = t.charCodeAt(start);
      if (c === C_HASH) {
        const e = this.parseComment(start, lineEnd);
        if (e === Entry.EOF) {
          this.sawEOF = true;
          // Only the final newline may follow `# EOF`.
          if (this.pos < this.len) {
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
        while (i < lineEnd && (t.charCodeAt(i) === C_SP || t.charCodeAt(i) === C_TAB)) i++;
        if (i === lineEnd) continue; // whitespace-only line
        if (t.charCodeAt(i) === C_HASH) return this.parseComment(i, lineEnd);
        this.parseSeries(i, lineEnd);
        return Entry.Series;
      }
      this.parseSeries(start, lineEnd);
      return Entry.Series;
    }
  }

  private parseComment(start: number, end: number): Entry {
    const t = this.text;
    const line = t.slice(start, end);
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

  private parseSeries(start: number, end: number): void {
    const t = this.text;
    this.lineEnd = end;
    let i = start;
    if (!isNameStart(t.charCodeAt(i), true)) this.fail(`${JSON.stringify(truncate(t.slice(start, end)))} is not a valid start token`);
    i++;
    while (i < end && isNameChar(t.charCodeAt(i), true)) i++;
    this.nameEnd = i - start;
    this.labelsChecked = true;
    if (i < end && t.charCodeAt(i) === C_LBRACE) {
      // Fast path: find the end of a well-formed label block with one compiled regex; the full, error-reporting
      // syntax check runs only when the caller needs the labels (a series not in its cache), see `labels()`.
      LABEL_BLOCK_RE.lastIndex = i;
      if (LABEL_BLOCK_RE.test(t) && LABEL_BLOCK_RE.lastIndex <= end) {
        this.labelsChecked = false;
        this.blockStart = i;
        i = LABEL_BLOCK_RE.lastIndex;
      } else i = this.skipLabels(i + 1, end);
    }
    this.seriesKey = t.slice(start, i);
    // value
    const sep = t.charCodeAt(i);
    if (i >= end || (sep !== C_SP && sep !== C_TAB)) this.fail(`expected value after metric, got ${JSON.stringify(truncate(t.slice(i, end)) || '\\n')}`);
    while (i < end && (t.charCodeAt(i) === C_SP || t.charCodeAt(i) === C_TAB)) i++;
    let j = i;
    // Plain decimals (`42`, `-3`, `0.25`: most values) are read from the characters directly, no string made: at
    // most 15 digits are an exact integer, and one division by an exact power of ten (<= 1e15) is correctly
    // rounded, so the result is the float Go's ParseFloat (and `Number`) give (Clinger's fast path).
    const neg = t.charCodeAt(j) === C_MINUS;
    if (neg) j++;
    let digits = 0;
    let intVal = 0;
    let frac = -1;
    let plain = true;
    while (j < end) {
      const c = t.charCodeAt(j);
      if (c === C_SP || c === C_TAB) break;
      if (c >= 48 && c <= 57) {
        intVal = intVal * 10 + (c - 48);
        digits++;
        if (frac >= 0) frac++;
      } else if (c === C_DOT && frac < 0) frac = 0;
      else plain = false;
      j++;
    }
    if (j === i) this.fail('expected value after metric, got end of line');
    if (plain && digits > 0 && digits <= 15) {
      const v = frac > 0 ? intVal / POW10[frac] : intVal;
      this.value = neg ? -v : v;
    } else {
      const vs = t.slice(i, j);
      const v = parseGoFloat(vs);
      if (v !== v && !isFloatSyntax(vs)) this.fail(`strconv.ParseFloat: parsing ${JSON.stringify(vs)}: invalid syntax`);
      this.value = v;
    }
    this.timestamp = NaN;
    this.exStart = -1;
    i = j;
    while (i < end && (t.charCodeAt(i) === C_SP || t.charCodeAt(i) === C_TAB)) i++;
    if (i >= end) return;
    if (t.charCodeAt(i) !== C_HASH) {
      j = i;
      while (j < end && t.charCodeAt(j) !== C_SP && t.charCodeAt(j) !== C_TAB) j++;
      const ts = t.slice(i, j);
      if (this.openMetrics) {
        const f = parseGoFloat(ts);
        if (!isFloatSyntax(ts) || !Number.isFinite(f)) this.fail(`invalid timestamp ${JSON.stringify(ts)}`);
        this.timestamp = Math.trunc(f * 1000);
      } else {
        if (!/^-?\d+$/.test(ts)) this.fail(`invalid timestamp ${JSON.stringify(ts)}`);
        this.timestamp = Number(ts);
      }
      i = j;
      while (i < end && (t.charCodeAt(i) === C_SP || t.charCodeAt(i) === C_TAB)) i++;
      if (i >= end) return;
    }
    if (this.openMetrics && t.charCodeAt(i) === C_HASH) {
      this.exStart = i;
      this.exLine = t.slice(i, end);
      // Validate eagerly so a malformed exemplar fails the scrape as in Prometheus.
      this.parseExemplar();
      return;
    }
    this.fail(`expected end of line after sample, got ${JSON.stringify(truncate(t.slice(i, end)))}`);
  }

  /** Skip a `{...}` label block starting after `{`; returns the index after `}`. Validates syntax. */
  private skipLabels(i: number, end: number): number {
    const t = this.text;
    while (true) {
      while (i < end && (t.charCodeAt(i) === C_SP || t.charCodeAt(i) === C_TAB)) i++;
      if (i >= end) this.fail('unexpected end of line in label set');
      let c = t.charCodeAt(i);
      if (c === C_RBRACE) return i + 1;
      if (!isNameStart(c, false)) this.fail(`expected label name, got ${JSON.stringify(truncate(t.slice(i, end)))}`);
      i++;
      while (i < end && isNameChar(t.charCodeAt(i), false)) i++;
      while (i < end && (t.charCodeAt(i) === C_SP || t.charCodeAt(i) === C_TAB)) i++;
      if (t.charCodeAt(i) !== C_EQ) this.fail(`expected equal, got ${JSON.stringify(truncate(t.slice(i, end)))}`);
      i++;
      while (i < end && (t.charCodeAt(i) === C_SP || t.charCodeAt(i) === C_TAB)) i++;
      if (t.charCodeAt(i) !== C_QUOTE) this.fail(`expected label value, got ${JSON.stringify(truncate(t.slice(i, end)))}`);
      i++;
      while (true) {
        if (i >= end) this.fail('unterminated label value');
        c = t.charCodeAt(i);
        if (c === C_BSLASH) {
          i += 2;
          continue;
        }
        if (c === C_QUOTE) break;
        i++;
      }
      i++;
      while (i < end && (t.charCodeAt(i) === C_SP || t.charCodeAt(i) === C_TAB)) i++;
      c = t.charCodeAt(i);
      if (c === C_COMMA) {
        i++;
        continue;
      }
      if (c === C_RBRACE) return i + 1;
      this.fail(`unexpected ${JSON.stringify(truncate(t.slice(i, end)) || 'end of line')} in label set, expected "," or "}"`);
    }
  }

  /** The metric name of the current series. */
  metricName(): string {
    return this.seriesKey.slice(0, this.nameEnd);
  }

  /** The labels of the current series, `__name__` included. Throws on duplicate label names. */
  labels(): Labels {
    if (!this.labelsChecked) {
      this.skipLabels(this.blockStart + 1, this.lineEnd);
      this.labelsChecked = true;
    }
    return parseSeriesLabels(this.ownSeriesKey(), this.nameEnd, this.lineNo);
  }

  /**
   * `seriesKey` as a string of its own. `seriesKey` is a slice of the body and would keep the whole body alive in
   * a long-lived cache; use this copy (and labels decoded from it) for anything kept across scrapes.
   */
  ownSeriesKey(): string {
    if (this.ownKeyFor !== this.seriesKey) {
      this.ownKeyFor = this.seriesKey;
      this.ownKey = this.seriesKey.length < 13 ? this.seriesKey : (JSON.parse(JSON.stringify(this.seriesKey)) as string);
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

/** A syntactically plausible `{...}` block: quoted values with escapes, no newline. Sticky. */
const LABEL_BLOCK_RE = /\{(?:[^"}\n]|"(?:[^"\\\n]|\\.)*")*\}/y;

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

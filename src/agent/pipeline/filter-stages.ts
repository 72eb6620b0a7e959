import type { Counter } from 'prom-client';
import { parseLogql } from '../../logs/logql/index.js';
import { compileAnchored, compileUnanchored, type Regex } from '../../model/index.js';
import type { LogEntry } from '../entry.js';
import { extractedValue, valueToString } from './extracted.js';
import { dropEntry, type Emit, type Stage } from './pipeline.js';
import type { MatchStageConfig, StageConfig } from './stage-config.js';

/** A byte size as Promtail reads `longer_than` (`8KB`, `1MiB`, a number of bytes). */
function bytes(v: number | string): number {
  if (typeof v === 'number') return v;
  const m = /^(\d+(?:\.\d+)?)\s*([KMG]i?B?|B)?$/i.exec(v.trim());
  if (!m) throw new Error(`invalid byte size ${JSON.stringify(v)}`);
  const u = (m[2] ?? 'B').toUpperCase().replace(/I?B$/, '');
  return Math.floor(Number(m[1]) * ({ '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 } as Record<string, number>)[u]);
}

/**
 * `drop`: drops an entry when every configured condition holds — `source` (one name, or several joined by
 * `separator`) equal to `value` or matching `expression` (RE2, unanchored; without `source` on the line),
 * `older_than`, `longer_than`. Counted in `logentry_dropped_lines_total{reason}`.
 */
export function dropStage(cfg: NonNullable<StageConfig['drop']>, dropped: Counter<'reason'>): Stage {
  const sources = cfg.source === undefined ? [] : Array.isArray(cfg.source) ? cfg.source : [cfg.source];
  const re: Regex | undefined = cfg.expression !== undefined ? compileUnanchored(cfg.expression) : undefined;
  const longer = cfg.longer_than !== undefined ? bytes(cfg.longer_than) : undefined;
  if (cfg.value !== undefined && re) throw new Error('drop: value and expression are mutually exclusive');
  if (sources.length === 0 && cfg.value === undefined && !re && cfg.older_than === undefined && longer === undefined) {
    throw new Error('drop: one of source, expression, older_than or longer_than is required');
  }
  const test = (e: LogEntry): boolean => {
    if (cfg.older_than !== undefined && !(e.tsMs < Date.now() - cfg.older_than)) return false;
    if (longer !== undefined && !(Buffer.byteLength(e.line) > longer)) return false;
    if (sources.length > 0) {
      const vals = sources.map((s) => valueToString(extractedValue(e, s)));
      if (vals.some((v) => v === undefined)) return false;
      const joined = vals.join(cfg.separator);
      if (cfg.value !== undefined && joined !== cfg.value) return false;
      if (re && !re.test(joined)) return false;
    } else if (re && !re.test(e.line)) return false;
    return true;
  };
  return {
    name: 'drop',
    process(e, emit) {
      if (test(e)) {
        dropped.inc({ reason: cfg.drop_counter_reason });
        dropEntry(e);
      } else emit(e);
    },
  };
}

/**
 * `match`: a LogQL selector (label matchers and line filters) picks the entries that run the nested stages, or are
 * dropped with `action: drop`.
 */
export function matchStage(cfg: MatchStageConfig, nested: Stage[], dropped: Counter<'reason'>): Stage {
  const expr = parseLogql(cfg.selector);
  if (expr.kind !== 'log') throw new Error(`match: selector must be a log selector: ${cfg.selector}`);
  const lineTests: Array<(line: string) => boolean> = [];
  for (const s of expr.stages) {
    if (s.kind !== 'lineFilter') throw new Error(`match: only label matchers and line filters are supported in the selector: ${cfg.selector}`);
    const tests = s.values.map((v) => (s.op === '|~' || s.op === '!~' ? ((r: Regex) => (l: string) => r.test(l))(compileUnanchored(v)) : s.op === '|=' || s.op === '!=' ? (l: string) => l.includes(v) : null));
    if (tests.some((t) => t === null)) throw new Error(`match: line filter ${s.op} is not supported`);
    const any = (l: string) => tests.some((t) => t!(l));
    lineTests.push(s.op === '!=' || s.op === '!~' ? (l) => !any(l) : any);
  }
  void compileAnchored;
  const matches = (e: LogEntry) => expr.matchers.every((m) => m.matches(e.labels[m.name] ?? '')) && lineTests.every((t) => t(e.line));
  const run = (i: number, e: LogEntry, emit: Emit): void => {
    if (i === nested.length) emit(e);
    else nested[i].process(e, (x) => run(i + 1, x, emit));
  };
  return {
    name: 'match',
    process(e, emit) {
      if (!matches(e)) {
        emit(e);
        return;
      }
      if (cfg.action === 'drop') {
        dropped.inc({ reason: cfg.drop_counter_reason });
        dropEntry(e);
        return;
      }
      run(0, e, emit);
    },
    flush(emit, now) {
      nested.forEach((s, i) => s.flush?.((x) => run(i + 1, x, emit), now));
    },
  };
}

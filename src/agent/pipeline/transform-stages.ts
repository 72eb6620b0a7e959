import { Template } from '../../logs/logql/index.js';
import { compileUnanchored, type Regex } from '../../model/index.js';
import type { LogEntry } from '../entry.js';
import { extractedValue, setExtracted, valueToString } from './extracted.js';
import type { Stage } from './pipeline.js';
import type { StageConfig } from './stage-config.js';

function templateData(e: LogEntry, extra: (name: string) => string | undefined): (name: string) => string | undefined {
  return (name) => extra(name) ?? valueToString(extractedValue(e, name));
}

function tsNs(e: LogEntry): bigint {
  return BigInt(e.tsMs) * 1_000_000n + BigInt(e.tsNs);
}

/**
 * `template`: a Go template over the extracted map (every extracted value and label by name, `.Value` the source's
 * value, `.Entry` the line) whose result becomes the source's value; an empty result removes the key. Functions:
 * Promtail's (ToLower, ToUpper, Replace, Trim, TrimLeft, TrimRight, TrimPrefix, TrimSuffix, TrimSpace, Hash,
 * Sha2Hash, regexReplaceAll, regexReplaceAllLiteral) and the sprig ones Loki's templates have. A missing key prints
 * `<no value>`, as Go does for Promtail's map.
 */
export function templateStage(cfg: NonNullable<StageConfig['template']>): Stage {
  const tpl = new Template(cfg.template);
  return {
    name: 'template',
    process(e, emit) {
      const value = valueToString(extractedValue(e, cfg.source));
      let out: string;
      try {
        out = tpl.execute({
          get: templateData(e, (n) => (n === 'Value' ? value : n === 'Entry' ? e.line : undefined)),
          line: e.line,
          ts: tsNs(e),
          missingField: '<no value>',
        });
      } catch {
        // Promtail: a template that fails to execute leaves the extracted map as it was.
        emit(e);
        return;
      }
      if (out === '') {
        if (e.extracted && cfg.source in e.extracted) delete e.extracted[cfg.source];
        // A label of that name stays a label; only the extracted key goes (it shadows the label while set).
        else if (cfg.source in e.labels) setExtracted(e, cfg.source, undefined);
      } else setExtracted(e, cfg.source, out);
      emit(e);
    },
  };
}

/**
 * `replace`: every match of `expression` in the line (or the `source` value) has each of its capture groups
 * replaced by the `replace` template (`.Value` the captured text, extracted values by name); the result becomes the
 * line (or the source's value), and each named group's replaced value is extracted under its name. Nothing changes
 * when the expression does not match or the source is missing.
 */
export function replaceStage(cfg: NonNullable<StageConfig['replace']>): Stage {
  const re: Regex = compileUnanchored(cfg.expression);
  const tpl = new Template(cfg.replace);
  return {
    name: 'replace',
    process(e, emit) {
      let input: string;
      if (cfg.source !== undefined) {
        const v = valueToString(extractedValue(e, cfg.source));
        if (v === undefined) {
          emit(e);
          return;
        }
        input = v;
      } else input = e.line;
      const all = re.allSubmatchIndices(input);
      if (all.length === 0) {
        emit(e);
        return;
      }
      let value = '';
      const get = templateData(e, (n) => (n === 'Value' ? value : undefined));
      const ts = tsNs(e);
      const replaced = new Map<string, string>();
      let result = '';
      let prevEnd = 0;
      try {
        for (const m of all) {
          for (let i = 2; i < m.length; i += 2) {
            if (m[i] < 0) continue;
            value = input.slice(m[i], m[i + 1]);
            const st = tpl.execute({ get, line: e.line, ts, missingField: '<no value>' });
            // Go's implementation: nested or overlapping groups are replaced only where they start past the last one.
            if (prevEnd === 0 || prevEnd <= m[i]) {
              result += input.slice(prevEnd, m[i]) + st;
              prevEnd = m[i + 1];
            }
            replaced.set(value, st);
          }
        }
      } catch {
        emit(e);
        return;
      }
      result += input.slice(prevEnd);
      if (cfg.source !== undefined) setExtracted(e, cfg.source, result);
      else e.line = result;
      const first = all[0];
      re.groupNames.forEach((name, gi) => {
        const s = first[2 * (gi + 1)];
        if (name === '' || s < 0) return;
        const v = replaced.get(input.slice(s, first[2 * (gi + 1) + 1]));
        if (v !== undefined) setExtracted(e, name, v);
      });
      emit(e);
    },
  };
}

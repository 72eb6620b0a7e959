import { lazyBuiltin } from '../../lib/lazy-builtin.js';
import type { Labels} from '../../model/index.js';
import { compileAnchored, expandTemplate, isValidLabelName, type LabelsBuilder, type Regex } from '../../model/index.js';
import type { RelabelAction, RelabelConfig } from '../promconfig/index.js';
import type * as NodeCrypto from 'node:crypto';

/** `node:crypto` on the first hash, not at import: the log agent loads it only when a config asks (docs/agent.md, Figures). */
const crypto = lazyBuiltin<typeof NodeCrypto>('node:crypto');

/** A relabel rule with its regex compiled once (Prometheus's `relabel.Config` after unmarshalling). */
export interface CompiledRelabel {
  readonly sourceLabels: readonly string[];
  readonly separator: string;
  readonly regex: Regex;
  readonly regexSource: string;
  readonly modulus: number;
  readonly targetLabel: string;
  readonly replacement: string;
  readonly action: RelabelAction;
}

const DEFAULT_REGEX = '(.*)';

export function compileRelabel(cfg: RelabelConfig): CompiledRelabel {
  return {
    sourceLabels: cfg.source_labels,
    separator: cfg.separator,
    regex: compileAnchored(cfg.regex),
    regexSource: cfg.regex,
    modulus: cfg.modulus,
    targetLabel: cfg.target_label,
    replacement: cfg.replacement,
    action: cfg.action,
  };
}

export function compileRelabels(cfgs: readonly RelabelConfig[]): CompiledRelabel[] {
  return cfgs.map(compileRelabel);
}

/** Prometheus's hashmod: the last 8 bytes of the MD5 of the value, big-endian, modulo `modulus`. */
export function hashMod(value: string, modulus: number): string {
  const h = crypto().createHash('md5').update(value).digest();
  return (h.readBigUInt64BE(8) % BigInt(modulus)).toString();
}

/**
 * Apply rules to `lb` in place. Returns false when a keep/drop rule drops the label set. `lb` may be reused by the
 * caller; nothing is allocated for rules that do not change anything.
 */
export function processBuilder(lb: LabelsBuilder, rules: readonly CompiledRelabel[]): boolean {
  for (const r of rules) if (!applyRule(lb, r)) return false;
  return true;
}

/** Apply rules; undefined when the label set was dropped. */
export function relabel(labels: Labels, rules: readonly CompiledRelabel[]): Labels | undefined {
  if (rules.length === 0) return labels;
  const lb = labels.builder();
  return processBuilder(lb, rules) ? lb.labels() : undefined;
}

function sourceValue(lb: LabelsBuilder, r: CompiledRelabel): string {
  const s = r.sourceLabels;
  if (s.length === 0) return '';
  if (s.length === 1) return lb.get(s[0]);
  let v = lb.get(s[0]);
  for (let i = 1; i < s.length; i++) v += r.separator + lb.get(s[i]);
  return v;
}

function applyRule(lb: LabelsBuilder, r: CompiledRelabel): boolean {
  switch (r.action) {
    case 'drop':
      return !r.regex.test(sourceValue(lb, r));
    case 'keep':
      return r.regex.test(sourceValue(lb, r));
    case 'dropequal':
      return lb.get(r.targetLabel) !== sourceValue(lb, r);
    case 'keepequal':
      return lb.get(r.targetLabel) === sourceValue(lb, r);
    case 'replace': {
      const val = sourceValue(lb, r);
      if (val === '' && r.regexSource === DEFAULT_REGEX && !r.targetLabel.includes('$') && !r.replacement.includes('$')) {
        lb.set(r.targetLabel, r.replacement);
        return true;
      }
      const m = r.regex.exec(val);
      if (!m) return true;
      const target = r.targetLabel.includes('$') ? expandTemplate(r.targetLabel, m) : r.targetLabel;
      if (!isValidLabelName(target)) return true;
      const res = expandTemplate(r.replacement, m);
      if (res === '') lb.del(target);
      else lb.set(target, res);
      return true;
    }
    case 'lowercase':
      lb.set(r.targetLabel, sourceValue(lb, r).toLowerCase());
      return true;
    case 'uppercase':
      lb.set(r.targetLabel, sourceValue(lb, r).toUpperCase());
      return true;
    case 'hashmod':
      lb.set(r.targetLabel, hashMod(sourceValue(lb, r), r.modulus));
      return true;
    case 'labelmap': {
      const sets: [string, string][] = [];
      lb.forEach((name, value) => {
        const m = r.regex.exec(name);
        if (m) sets.push([expandTemplate(r.replacement, m), value]);
      });
      for (const [n, v] of sets) lb.set(n, v);
      return true;
    }
    case 'labeldrop':
    case 'labelkeep': {
      const dels: string[] = [];
      const keep = r.action === 'labelkeep';
      lb.forEach((name) => {
        if (r.regex.test(name) !== keep) dels.push(name);
      });
      if (dels.length > 0) lb.del(...dels);
      return true;
    }
  }
}

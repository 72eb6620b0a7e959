import { readFileSync } from 'node:fs';
import { LineCounter, isMap, isScalar, isSeq, parseDocument, type Node as YamlNode, type Pair, type Scalar, type YAMLMap } from 'yaml';
import { parseDuration } from '../config/index.js';
import { isValidLabelName, isValidMetricName } from '../model/index.js';
import { ALERT_TEMPLATE_DEFS, parsePrometheusTemplate } from './template/expander.js';

/**
 * Rule files in Prometheus's format (`rulefmt`), parsed and validated as Prometheus and `promtool check rules` do:
 * strict YAML fields (`yaml: unmarshal errors: line N: field X not found in type rulefmt.RuleGroup`), then
 * semantic checks reported with the YAML position (`5:15: group "a", rule 1, "X": could not parse expression: ...`).
 * The expression language is the caller's (PromQL for Prometheus and Mimir, LogQL for Loki).
 */

export interface RuleSpec {
  /** Recording rule: the metric name to record into. */
  record?: string;
  /** Alerting rule: the alert name. */
  alert?: string;
  expr: string;
  /** ms. */
  for: number;
  /** ms. */
  keepFiringFor: number;
  /** In file order (Go maps have none; Prometheus sorts them into label sets). */
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface RuleGroupSpec {
  name: string;
  /** ms; 0 = the global evaluation interval. */
  interval: number;
  /** ms; undefined = the global `rule_query_offset`. */
  queryOffset?: number;
  limit: number;
  rules: RuleSpec[];
  /** Mimir's federated rule groups. */
  sourceTenants?: string[];
}

/** Checks an expression; returns Prometheus's parse error text (`1:8: parse error: ...`) or null. */
export type ExprValidator = (expr: string) => string | null;

export interface ParseOptions {
  validateExpr: ExprValidator;
  /** Accept `source_tenants` on groups (Mimir). */
  allowSourceTenants?: boolean;
}

class FatalDecodeError extends Error {}

interface Pos {
  line: number;
  col: number;
}

interface RuleNode {
  spec: RuleSpec;
  record: { value: string; pos: Pos | null };
  alert: { value: string; pos: Pos | null };
  expr: { value: string; pos: Pos | null };
}

const GROUP_FIELDS = new Set(['name', 'interval', 'query_offset', 'limit', 'labels', 'rules']);
const RULE_FIELDS = new Set(['record', 'alert', 'expr', 'for', 'keep_firing_for', 'labels', 'annotations']);

function scalarText(n: Scalar): string {
  if (n.value === null) return '';
  if (typeof n.source === 'string') return n.source;
  return String(n.value);
}

function goYamlTag(n: YamlNode | null | undefined): string {
  if (!n) return '!!null';
  if (isMap(n)) return '!!map';
  if (isSeq(n)) return '!!seq';
  if (isScalar(n)) {
    const v = n.value;
    if (v === null) return '!!null';
    if (typeof v === 'number') return Number.isInteger(v) && !/[.eE]/.test(String(n.source ?? '')) ? '!!int' : '!!float';
    if (typeof v === 'boolean') return '!!bool';
    return '!!str';
  }
  return '!!str';
}

/** Parses rule-file content; returns the groups, or Prometheus's error messages (without the file prefix). */
export function parseRuleGroups(content: string, opts: ParseOptions): { groups: RuleGroupSpec[]; errors: string[] } {
  const lc = new LineCounter();
  const doc = parseDocument(content, { lineCounter: lc, uniqueKeys: true, prettyErrors: false, version: '1.2' });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    const line = e.linePos?.[0]?.line ?? lc.linePos(e.pos[0]).line;
    const msg = e.message.replace(/ at line \d+, column \d+[\s\S]*$/, '').replace(/\s+$/, '');
    const text = `yaml: line ${line}: ${msg}`;
    return { groups: [], errors: [text, text] };
  }
  const pos = (n: YamlNode | null | undefined): Pos | null => {
    if (!n || !n.range) return null;
    const p = lc.linePos(n.range[0]);
    return { line: p.line, col: p.col };
  };
  const unmarshalErrors: string[] = [];
  const typeError = (n: YamlNode | null | undefined, goType: string) => {
    const p = pos(n);
    const text = isScalar(n) ? scalarText(n) : '';
    unmarshalErrors.push(`line ${p?.line ?? 0}: cannot unmarshal ${goYamlTag(n)}${isScalar(n) ? ` \`${text}\`` : ''} into ${goType}`);
  };
  const durationOf = (n: YamlNode | null | undefined): number => {
    if (!n || (isScalar(n) && n.value === null)) return 0;
    if (!isScalar(n)) {
      typeError(n, 'string');
      return 0;
    }
    const s = scalarText(n);
    try {
      return parseDuration(s);
    } catch {
      throw new FatalDecodeError(`not a valid duration string: ${JSON.stringify(s)}`);
    }
  };
  const stringMap = (n: YamlNode | null | undefined): Record<string, string> => {
    const out: Record<string, string> = {};
    if (!n || (isScalar(n) && n.value === null)) return out;
    if (!isMap(n)) {
      typeError(n, 'map[string]string');
      return out;
    }
    for (const it of n.items as Pair<YamlNode, YamlNode>[]) {
      const k = isScalar(it.key) ? scalarText(it.key) : '';
      const v = it.value;
      if (v === null || v === undefined || (isScalar(v) && v.value === null)) out[k] = '';
      else if (isScalar(v)) out[k] = scalarText(v);
      else typeError(v, 'string');
    }
    return out;
  };
  const mapPairs = (n: YAMLMap, known: Set<string>, goType: string): Map<string, YamlNode | null> => {
    const out = new Map<string, YamlNode | null>();
    for (const it of n.items as Pair<YamlNode, YamlNode>[]) {
      const k = isScalar(it.key) ? scalarText(it.key) : '';
      if (!known.has(k)) {
        unmarshalErrors.push(`line ${pos(it.key)?.line ?? 0}: field ${k} not found in type ${goType}`);
        continue;
      }
      out.set(k, (it.value as YamlNode | null) ?? null);
    }
    return out;
  };

  interface GroupNode {
    spec: RuleGroupSpec;
    pos: Pos | null;
    rules: RuleNode[];
  }
  const groups: GroupNode[] = [];
  try {
    const root = doc.contents as YamlNode | null;
    if (root && !(isScalar(root) && root.value === null)) {
      if (!isMap(root)) typeError(root, 'rulefmt.RuleGroups');
      else {
        const top = mapPairs(root, opts.allowSourceTenants ? new Set(['groups', 'namespace']) : new Set(['groups']), 'rulefmt.RuleGroups');
        const gs = top.get('groups');
        if (gs && !(isScalar(gs) && gs.value === null)) {
          if (!isSeq(gs)) typeError(gs, '[]rulefmt.RuleGroup');
          else
            for (const gn of gs.items as YamlNode[]) {
              if (!isMap(gn)) {
                typeError(gn, 'rulefmt.RuleGroup');
                continue;
              }
              const known = opts.allowSourceTenants ? new Set([...GROUP_FIELDS, 'source_tenants', 'evaluation_delay', 'align_evaluation_time_on_interval']) : GROUP_FIELDS;
              const f = mapPairs(gn, known, 'rulefmt.RuleGroup');
              const nameN = f.get('name');
              const name = nameN && isScalar(nameN) ? (nameN.value === null ? '' : scalarText(nameN)) : '';
              if (nameN && !isScalar(nameN)) typeError(nameN, 'string');
              const interval = durationOf(f.get('interval'));
              const qo = f.get('query_offset');
              const queryOffset = qo && !(isScalar(qo) && qo.value === null) ? durationOf(qo) : undefined;
              let limit = 0;
              const ln = f.get('limit');
              if (ln && !(isScalar(ln) && ln.value === null)) {
                if (isScalar(ln) && typeof ln.value === 'number' && Number.isInteger(ln.value)) limit = ln.value;
                else typeError(ln, 'int');
              }
              // Group `labels` (Prometheus 3) go to every rule of the group; a rule's own label of the same name wins.
              const groupLabels = stringMap(f.get('labels'));
              const spec: RuleGroupSpec = { name, interval, limit, rules: [] };
              if (queryOffset !== undefined) spec.queryOffset = queryOffset;
              const st = f.get('source_tenants');
              if (st && isSeq(st)) spec.sourceTenants = (st.items as YamlNode[]).map((x) => (isScalar(x) ? scalarText(x) : ''));
              const rules: RuleNode[] = [];
              const rn = f.get('rules');
              if (rn && !(isScalar(rn) && rn.value === null)) {
                if (!isSeq(rn)) typeError(rn, '[]rulefmt.RuleNode');
                else
                  for (const r of rn.items as YamlNode[]) {
                    if (!isMap(r)) {
                      typeError(r, 'rulefmt.RuleNode');
                      continue;
                    }
                    const rf = mapPairs(r, RULE_FIELDS, 'rulefmt.RuleNode');
                    const node = (k: string) => {
                      const n = rf.get(k);
                      if (!n || (isScalar(n) && n.value === null)) return { value: '', pos: n ? pos(n) : null };
                      if (!isScalar(n)) return { value: '', pos: pos(n) };
                      return { value: scalarText(n), pos: pos(n) };
                    };
                    const record = node('record');
                    const alert = node('alert');
                    const expr = node('expr');
                    const rs: RuleSpec = {
                      expr: expr.value,
                      for: durationOf(rf.get('for')),
                      keepFiringFor: durationOf(rf.get('keep_firing_for')),
                      labels: { ...groupLabels, ...stringMap(rf.get('labels')) },
                      annotations: stringMap(rf.get('annotations')),
                    };
                    if (record.value !== '') rs.record = record.value;
                    if (alert.value !== '') rs.alert = alert.value;
                    rules.push({ spec: rs, record, alert, expr });
                  }
              }
              spec.rules = rules.map((r) => r.spec);
              groups.push({ spec, pos: pos(gn), rules });
            }
        }
      }
    }
  } catch (e) {
    if (e instanceof FatalDecodeError) return { groups: [], errors: [e.message] };
    throw e;
  }
  if (unmarshalErrors.length > 0) return { groups: [], errors: [`yaml: unmarshal errors:\n  ${unmarshalErrors.join('\n  ')}`] };

  // Semantic validation (rulefmt's RuleGroups.Validate).
  const errors: string[] = [];
  const seen = new Set<string>();
  for (const g of groups) {
    const p = g.pos ?? { line: 0, col: 0 };
    if (g.spec.name === '') errors.push(`${p.line}:${p.col}: Groupname must not be empty`);
    if (seen.has(g.spec.name)) errors.push(`${p.line}:${p.col}: groupname: ${JSON.stringify(g.spec.name)} is repeated in the same file`);
    seen.add(g.spec.name);
    g.rules.forEach((r, i) => {
      const ruleName = r.alert.value !== '' ? r.alert.value : r.record.value;
      const prefix = `group ${JSON.stringify(g.spec.name)}, rule ${i + 1}, ${JSON.stringify(ruleName)}: `;
      const at = (n: Pos | null) => `${n?.line ?? 0}:${n?.col ?? 0}: `;
      for (const [where, msg] of validateRule(r, opts.validateExpr)) {
        const loc = where === null ? '' : where === 'both' ? `${at(r.record.pos)}${at(r.alert.pos)}` : at(r[where].pos);
        errors.push(`${loc}${prefix}${msg}`);
      }
    });
  }
  return { groups: groups.map((g) => g.spec), errors };
}

type Where = 'record' | 'alert' | 'expr' | 'both' | null;

function validateRule(r: RuleNode, validateExpr: ExprValidator): [Where, string][] {
  const out: [Where, string][] = [];
  const s = r.spec;
  if (r.record.value !== '' && r.alert.value !== '') out.push(['both', "only one of 'record' and 'alert' must be set"]);
  if (r.record.value === '' && r.alert.value === '') out.push(['record', "one of 'record' or 'alert' must be set"]);
  if (r.expr.value === '') out.push(['expr', "field 'expr' must be set in rule"]);
  else {
    const err = validateExpr(r.expr.value);
    if (err !== null) out.push(['expr', `could not parse expression: ${err}`]);
  }
  if (r.record.value !== '') {
    if (Object.keys(s.annotations).length > 0) out.push(['record', "invalid field 'annotations' in recording rule"]);
    if (s.for !== 0) out.push(['record', "invalid field 'for' in recording rule"]);
    if (s.keepFiringFor !== 0) out.push(['record', "invalid field 'keep_firing_for' in recording rule"]);
    if (!isValidMetricName(r.record.value)) out.push(['record', `invalid recording rule name: ${r.record.value}`]);
  }
  for (const k of Object.keys(s.labels).sort()) {
    if (!isValidLabelName(k) || k === '__name__') out.push([null, `invalid label name: ${k}`]);
  }
  for (const k of Object.keys(s.annotations).sort()) {
    if (!isValidLabelName(k)) out.push([null, `invalid annotation name: ${k}`]);
  }
  if (r.alert.value !== '') {
    const check = (kind: string, k: string, text: string) => {
      try {
        parsePrometheusTemplate(`__alert_${r.alert.value}`, ALERT_TEMPLATE_DEFS + text);
      } catch (e) {
        out.push([null, `${kind} ${JSON.stringify(k)}: ${(e as Error).message}`]);
      }
    };
    for (const k of Object.keys(s.labels).sort()) check('label', k, s.labels[k]);
    for (const k of Object.keys(s.annotations).sort()) check('annotation', k, s.annotations[k]);
  }
  return out;
}

/** Reads and parses one rule file; errors carry the file name as Prometheus prints them (`FILE: 5:15: ...`). */
export function parseRuleFile(file: string, opts: ParseOptions): { groups: RuleGroupSpec[]; errors: string[] } {
  let content: string;
  try {
    content = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file or directory' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : (e as Error).message;
    return { groups: [], errors: [`${file}: open ${file}: ${why}`] };
  }
  const res = parseRuleGroups(content, opts);
  return { groups: res.groups, errors: res.errors.map((m) => `${file}: ${m}`) };
}

/** Recording rules that share a name and labels within the file (promtool's duplicate-rules lint). */
export function duplicateRecordingRules(groups: RuleGroupSpec[]): { metric: string; labels: [string, string][] }[] {
  const seen = new Map<string, number>();
  const out: { metric: string; labels: [string, string][] }[] = [];
  for (const g of groups)
    for (const r of g.rules) {
      if (r.record === undefined) continue;
      const labels = Object.entries(r.labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      const key = JSON.stringify([r.record, labels]);
      const n = (seen.get(key) ?? 0) + 1;
      seen.set(key, n);
      if (n === 2) out.push({ metric: r.record, labels });
    }
  return out;
}

import * as z from 'zod';
import { lazySchema } from '../../config/index.js';
import { RegexSyntaxError, compileAnchored } from '../../model/index.js';
import { labelNameRe, str } from './common.js';

export const RELABEL_ACTIONS = [
  'replace',
  'keep',
  'drop',
  'keepequal',
  'dropequal',
  'hashmod',
  'labelmap',
  'labeldrop',
  'labelkeep',
  'lowercase',
  'uppercase',
] as const;
export type RelabelAction = (typeof RELABEL_ACTIONS)[number];

export const DEFAULT_RELABEL = { separator: ';', regex: '(.*)', replacement: '$1', action: 'replace' as RelabelAction };

/** `target_label` of a replace rule may reference groups (`$1`, `${name}`), as Prometheus's `relabelTarget`. */
const RELABEL_TARGET_RE = /^(?:(?:[a-zA-Z_]|\$(?:\{\w+\}|\w+))+\w*)+$/;

/** One entry of `relabel_configs` / `metric_relabel_configs` / `write_relabel_configs`, with Prometheus's defaults and checks. */
export const relabelConfigSchema = lazySchema(() => z
  .strictObject({
    source_labels: z.array(z.string()).optional(),
    separator: str.optional(),
    regex: str.optional(),
    modulus: z.number().int().nonnegative().optional(),
    target_label: str.optional(),
    replacement: str.optional(),
    action: z.preprocess((v) => (typeof v === 'string' ? v.toLowerCase() : v), z.string()).optional(),
  })
  .superRefine((r, ctx) => {
    const action = (r.action ?? 'replace') as RelabelAction;
    if (!RELABEL_ACTIONS.includes(action)) {
      ctx.addIssue({ code: 'custom', path: ['action'], message: `unknown relabel action ${JSON.stringify(r.action)}` });
      return;
    }
    if (r.regex !== undefined) {
      try {
        compileAnchored(r.regex);
      } catch (e) {
        ctx.addIssue({ code: 'custom', path: ['regex'], message: e instanceof RegexSyntaxError ? e.message : String(e) });
      }
    }
    for (const s of r.source_labels ?? []) {
      if (!labelNameRe.test(s)) ctx.addIssue({ code: 'custom', path: ['source_labels'], message: `${JSON.stringify(s)} is not a valid label name` });
    }
    const needsTarget = ['replace', 'hashmod', 'lowercase', 'uppercase', 'keepequal', 'dropequal'].includes(action);
    if (needsTarget && (r.target_label === undefined || r.target_label === '')) {
      ctx.addIssue({ code: 'custom', path: ['target_label'], message: `relabel configuration for ${action} action requires 'target_label' value` });
      return;
    }
    if (action === 'replace' && !RELABEL_TARGET_RE.test(r.target_label!)) {
      ctx.addIssue({ code: 'custom', path: ['target_label'], message: `${JSON.stringify(r.target_label)} is invalid 'target_label' for ${action} action` });
    }
    if (['hashmod', 'lowercase', 'uppercase', 'keepequal', 'dropequal'].includes(action) && !labelNameRe.test(r.target_label!)) {
      ctx.addIssue({ code: 'custom', path: ['target_label'], message: `${JSON.stringify(r.target_label)} is invalid 'target_label' for ${action} action` });
    }
    if (action === 'hashmod' && !r.modulus) {
      ctx.addIssue({ code: 'custom', path: ['modulus'], message: 'relabel configuration for hashmod requires non-zero modulus' });
    }
    if (action === 'labelmap') {
      const rep = r.replacement ?? DEFAULT_RELABEL.replacement;
      if (!RELABEL_TARGET_RE.test(rep)) ctx.addIssue({ code: 'custom', path: ['replacement'], message: `${JSON.stringify(rep)} is invalid 'replacement' for ${action} action` });
    }
    if (action === 'labeldrop' || action === 'labelkeep') {
      if (r.source_labels !== undefined || r.target_label !== undefined || r.modulus !== undefined || (r.separator !== undefined && r.separator !== ';') || (r.replacement !== undefined && r.replacement !== '$1')) {
        ctx.addIssue({ code: 'custom', path: [], message: `${action} action requires only 'regex', and no other fields` });
      }
    }
    if (action === 'keepequal' || action === 'dropequal') {
      if (r.modulus !== undefined || (r.separator !== undefined && r.separator !== ';') || (r.replacement !== undefined && r.replacement !== '$1') || (r.regex !== undefined && r.regex !== '(.*)')) {
        ctx.addIssue({ code: 'custom', path: [], message: `${action} action requires only 'source_labels' and \`target_label\`, and no other fields` });
      }
    }
  })
  .transform((r) => ({
    source_labels: r.source_labels ?? [],
    separator: r.separator ?? DEFAULT_RELABEL.separator,
    regex: r.regex ?? DEFAULT_RELABEL.regex,
    modulus: r.modulus ?? 0,
    target_label: r.target_label ?? '',
    replacement: r.replacement ?? DEFAULT_RELABEL.replacement,
    action: (r.action ?? 'replace') as RelabelAction,
  })));

export type RelabelConfig = z.output<typeof relabelConfigSchema>;

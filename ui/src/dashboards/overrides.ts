/**
 * Grafana's field overrides: `fieldConfig.overrides[]`, each a matcher (`byName`, `byRegexp`, `byFrameRefID`,
 * `byType`) and properties (`unit`, `decimals`, `min`, `max`, `displayName`, `color`, `thresholds`, `mappings`,
 * `custom.*`) laid over the panel's defaults for the fields it matches, later overrides winning. Pure.
 */
import type { FieldDefaults } from './model.js';

export interface FieldIdentity {
  /** The field's display name (a series' legend, a column's title). */
  name: string;
  refId?: string;
  type?: string;
}

interface Override {
  matcher?: { id?: string; options?: unknown };
  properties?: { id?: string; value?: unknown }[];
}

/** Grafana's regex option: `/re/flags` or a bare pattern matched against the whole name. */
function nameRegex(option: string): RegExp | undefined {
  try {
    const m = /^\/(.*)\/([gimsuy]*)$/.exec(option);
    return m ? new RegExp(m[1]!, m[2]!.replace('g', '')) : new RegExp(`^(?:${option})$`);
  } catch {
    return undefined;
  }
}

function matches(m: Override['matcher'], field: FieldIdentity): boolean {
  const opt = m?.options;
  switch (m?.id) {
    case 'byName':
      return typeof opt === 'string' && opt === field.name;
    case 'byRegexp':
      return typeof opt === 'string' && (nameRegex(opt)?.test(field.name) ?? false);
    case 'byFrameRefID':
      return typeof opt === 'string' && opt === field.refId;
    case 'byType':
      return typeof opt === 'string' && opt === field.type;
    default:
      return false;
  }
}

/** The panel's field config for one field: defaults with every matching override's properties applied in order. */
export function fieldConfigFor(fieldConfig: { defaults?: FieldDefaults; overrides?: unknown[] } | undefined, field: FieldIdentity): FieldDefaults {
  const out: FieldDefaults = { ...(fieldConfig?.defaults ?? {}) };
  for (const o of (fieldConfig?.overrides ?? []) as Override[]) {
    if (!matches(o.matcher, field)) continue;
    for (const p of o.properties ?? []) {
      if (typeof p.id !== 'string') continue;
      if (p.id.startsWith('custom.')) out.custom = { ...(out.custom ?? {}), [p.id.slice(7)]: p.value };
      else (out as Record<string, unknown>)[p.id] = p.value;
    }
  }
  return out;
}

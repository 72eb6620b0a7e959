/**
 * Grafana's dashboard links (`dashboard.links`) and panel links: the URL with variables interpolated, the current
 * variables appended as `var-NAME=value` (`includeVars`; All as `$__all`, several values as repeated parameters)
 * and the time range as `from`/`to` (`keepTime`). Pure.
 */
import { interpolate, type VariableValue } from './interpolate.js';

export interface DashboardLink {
  title?: string;
  type?: string;
  url?: string;
  tags?: string[];
  asDropdown?: boolean;
  includeVars?: boolean;
  keepTime?: boolean;
  targetBlank?: boolean;
  tooltip?: string;
  icon?: string;
}

/** The query parameters `includeVars` and `keepTime` add, in Grafana's spelling. */
export function linkParams(link: DashboardLink, vars: ReadonlyMap<string, VariableValue>, variableNames: readonly string[], range: { from: string; to: string }): URLSearchParams {
  const p = new URLSearchParams();
  if (link.keepTime) {
    p.set('from', range.from);
    p.set('to', range.to);
  }
  if (link.includeVars) {
    for (const name of variableNames) {
      const v = vars.get(name);
      if (!v) continue;
      if (v.isAll) p.append(`var-${name}`, '$__all');
      else for (const x of Array.isArray(v.value) ? v.value : [v.value]) p.append(`var-${name}`, x);
    }
  }
  return p;
}

/** A `link` type dashboard link's address. */
export function linkUrl(link: DashboardLink, vars: ReadonlyMap<string, VariableValue>, variableNames: readonly string[], range: { from: string; to: string }): string {
  const base = interpolate(link.url ?? '', vars, { defaultFormat: 'raw' });
  const extra = linkParams(link, vars, variableNames, range).toString();
  if (!extra) return base;
  const [path, hash] = base.split('#', 2) as [string, string | undefined];
  return `${path}${path.includes('?') ? '&' : '?'}${extra}${hash !== undefined ? `#${hash}` : ''}`;
}

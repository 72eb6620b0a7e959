import * as z from 'zod';
import type { RouteNode } from './alerting-config.js';

/** Grafana's `Route` JSON: matchers as `object_matchers` triples `[name, op, value]`. */
export interface GrafanaRoute {
  receiver?: string;
  group_by?: string[];
  object_matchers?: [string, string, string][];
  /** Alertmanager's text matchers and the deprecated maps, accepted on input. */
  matchers?: string[];
  match?: Record<string, string>;
  match_re?: Record<string, string>;
  continue?: boolean;
  group_wait?: string;
  group_interval?: string;
  repeat_interval?: string;
  mute_time_intervals?: string[];
  active_time_intervals?: string[];
  routes?: GrafanaRoute[];
  provenance?: string;
}

export const grafanaRouteSchema: z.ZodType<GrafanaRoute> = z.lazy(() =>
  z.object({
    receiver: z.string().optional(),
    group_by: z.array(z.string()).optional(),
    object_matchers: z.array(z.tuple([z.string(), z.enum(['=', '!=', '=~', '!~']), z.string()])).optional(),
    matchers: z.array(z.string()).optional(),
    // Deprecated in Alertmanager, still accepted by Grafana's API.
    match: z.record(z.string(), z.string()).optional(),
    match_re: z.record(z.string(), z.string()).optional(),
    continue: z.boolean().optional(),
    group_wait: z.string().optional(),
    group_interval: z.string().optional(),
    repeat_interval: z.string().optional(),
    mute_time_intervals: z.array(z.string()).optional(),
    active_time_intervals: z.array(z.string()).optional(),
    routes: z.array(grafanaRouteSchema).optional(),
    provenance: z.string().optional(),
  }),
) as z.ZodType<GrafanaRoute>;

const SIMPLE_KEYS = ['receiver', 'group_by', 'continue', 'group_wait', 'group_interval', 'repeat_interval', 'mute_time_intervals', 'active_time_intervals'] as const;

/** One matcher as the Alertmanager text form, `name="value"` with the value quoted. */
function matcherText([n, op, v]: [string, string, string]): string {
  return `${n}${op}"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

const MATCHER_RE = /^\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(=~|!~|!=|=)\s*(.*?)\s*$/;

function matcherTriple(s: string): [string, string, string] {
  const m = MATCHER_RE.exec(s.replace(/^\{|\}$/g, ''));
  if (!m) return [s, '=', ''];
  let v = m[3];
  if (v.startsWith('"') && v.endsWith('"') && v.length >= 2) v = v.slice(1, -1).replace(/\\n/g, '\n').replace(/\\(["\\])/g, '$1');
  return [m[1], m[2], v];
}

/** An alertmanager.yml route as Grafana's JSON (legacy `match`/`match_re` become object matchers). */
export function toGrafanaRoute(r: RouteNode): GrafanaRoute {
  const out: GrafanaRoute = {};
  for (const k of SIMPLE_KEYS) if (r[k] !== undefined) (out as Record<string, unknown>)[k] = r[k];
  const om: [string, string, string][] = [];
  for (const [n, v] of Object.entries((r.match as Record<string, string> | undefined) ?? {})) om.push([n, '=', v]);
  for (const [n, v] of Object.entries((r.match_re as Record<string, string> | undefined) ?? {})) om.push([n, '=~', v]);
  for (const s of r.matchers ?? []) om.push(matcherTriple(s));
  if (om.length > 0) out.object_matchers = om;
  if (r.routes?.length) out.routes = r.routes.map(toGrafanaRoute);
  return out;
}

/** Grafana's route JSON as an alertmanager.yml route (object matchers as `matchers`). */
export function fromGrafanaRoute(g: GrafanaRoute): RouteNode {
  const out: RouteNode = {};
  if (g.match) out.match = g.match;
  if (g.match_re) out.match_re = g.match_re;
  for (const k of SIMPLE_KEYS) if (g[k] !== undefined && !(Array.isArray(g[k]) && g[k].length === 0 && k !== 'group_by')) (out as Record<string, unknown>)[k] = g[k];
  const ms = [...(g.matchers ?? []), ...(g.object_matchers ?? []).map(matcherText)];
  if (ms.length > 0) out.matchers = ms;
  if (g.routes?.length) out.routes = g.routes.map(fromGrafanaRoute);
  return out;
}

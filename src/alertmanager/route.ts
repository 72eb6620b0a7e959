import type { Matcher } from '../model/index.js';
import type { RouteConfig } from './config/schema.js';
import { goQuote, type LabelSet } from './labels.js';

export interface RouteOpts {
  receiver: string;
  groupBy: Set<string>;
  groupByAll: boolean;
  groupWait: number;
  groupInterval: number;
  repeatInterval: number;
  muteTimeIntervals: string[];
  activeTimeIntervals: string[];
}

const DEFAULTS = { groupWait: 30_000, groupInterval: 5 * 60_000, repeatInterval: 4 * 3600_000 };

/** Alertmanager's matcher string: `name="value"` with OpenMetrics escaping. */
function matcherString(m: Matcher): string {
  return `${m.name}${m.type}"${m.value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

/** A node of the routing tree with its options inherited from the parent (Alertmanager's `dispatch.Route`). */
export class Route {
  readonly routes: Route[];
  readonly opts: RouteOpts;
  readonly matchers: readonly Matcher[];
  readonly continue: boolean;
  /** `{}/{severity="critical"}/...`: the route's identity in group keys. */
  readonly key: string;
  /** Position in the tree (`0.1.0`), unique per node. */
  readonly id: string;

  constructor(cfg: RouteConfig, parent?: Route, index = 0) {
    const p = parent?.opts;
    this.opts = {
      receiver: cfg.receiver ?? p?.receiver ?? '',
      groupBy: cfg.group_by !== undefined ? new Set(cfg.group_by) : new Set(p?.groupBy ?? []),
      groupByAll: cfg.group_by !== undefined ? cfg.groupByAll : (p?.groupByAll ?? false),
      groupWait: cfg.group_wait ?? p?.groupWait ?? DEFAULTS.groupWait,
      groupInterval: cfg.group_interval ?? p?.groupInterval ?? DEFAULTS.groupInterval,
      repeatInterval: cfg.repeat_interval ?? p?.repeatInterval ?? DEFAULTS.repeatInterval,
      muteTimeIntervals: cfg.mute_time_intervals,
      activeTimeIntervals: cfg.active_time_intervals,
    };
    this.matchers = cfg.matchers;
    this.continue = cfg.continue;
    const ms = `{${cfg.matchers.map(matcherString).join(',')}}`;
    this.key = parent ? `${parent.key}/${ms}` : ms;
    this.id = parent ? `${parent.id}.${index}` : '0';
    this.routes = cfg.routes.map((c, i) => new Route(c, this, i));
  }

  private matchesSelf(ls: LabelSet): boolean {
    for (const m of this.matchers) if (!m.matches(ls[m.name] ?? '')) return false;
    return true;
  }

  /** The routes an alert with these labels goes to: the deepest matching nodes, following `continue`. */
  match(ls: LabelSet): Route[] {
    if (!this.matchesSelf(ls)) return [];
    const all: Route[] = [];
    for (const child of this.routes) {
      const matches = child.match(ls);
      all.push(...matches);
      if (matches.length > 0 && !child.continue) break;
    }
    if (all.length === 0) all.push(this);
    return all;
  }

  /** The labels an alert is grouped by on this route. */
  groupLabels(ls: LabelSet): LabelSet {
    const out: LabelSet = {};
    for (const [k, v] of Object.entries(ls)) if (this.opts.groupByAll || this.opts.groupBy.has(k)) out[k] = v;
    return out;
  }

  walk(f: (r: Route) => void): void {
    f(this);
    for (const c of this.routes) c.walk(f);
  }
}

/** The aggregation group key Alertmanager puts in notifications: `<route key>:<group labels>`. */
export function groupKey(route: Route, groupLabels: LabelSet): string {
  const names = Object.keys(groupLabels).sort();
  return `${route.key}:{${names.map((n) => `${n}=${goQuote(groupLabels[n])}`).join(', ')}}`;
}

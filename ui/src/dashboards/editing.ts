/**
 * Editing a dashboard's JSON in the browser (pure): a new empty dashboard, panels added at the first free place on
 * the grid, replaced or removed by id, and template variables added or replaced by name. Each function returns a new
 * dashboard and leaves its input unchanged, so the page can keep the last saved JSON next to the draft.
 */
import { BUILT_IN_ANNOTATION } from './annotations.js';
import { GRID_COLUMNS } from './layout.js';
import type { DashboardLink } from './links.js';
import type { Dashboard, GridPos, Panel, VariableModel } from './model.js';

/** Grafana's new dashboard: no uid (the server gives one on the first save), the last 6 hours, no panels, the built-in annotations. */
export function newDashboard(): Dashboard {
  return { title: 'New dashboard', uid: '', editable: true, schemaVersion: 39, tags: [], time: { from: 'now-6h', to: 'now' }, refresh: '', panels: [], templating: { list: [] }, annotations: { list: [BUILT_IN_ANNOTATION] } };
}

/** Every panel of the dashboard, with those inside collapsed rows. */
const allPanels = (panels: Panel[]): Panel[] => panels.flatMap((p) => [p, ...(p.panels ?? [])]);

/** One more than the largest panel id in use (rows' panels included), as Grafana numbers new panels. */
export function nextPanelId(d: Dashboard): number {
  return allPanels(d.panels ?? []).reduce((m, p) => Math.max(m, p.id ?? 0), 0) + 1;
}

/**
 * Where a new panel of `w` × `h` cells goes: to the right of the panels of the lowest line when it fits there,
 * else on a new line below everything (Grafana puts new panels at the top and pushes the rest down; below keeps the
 * existing layout where it was, which is what a user building a dashboard top-down expects).
 */
export function freePosition(panels: Panel[], w: number, h: number): GridPos {
  const placed = panels.map((p) => p.gridPos).filter((g): g is GridPos => g !== undefined);
  if (placed.length === 0) return { x: 0, y: 0, w, h };
  const lastY = Math.max(...placed.map((g) => g.y));
  const onLast = placed.filter((g) => g.y === lastY);
  const right = Math.max(...onLast.map((g) => g.x + g.w));
  const bottom = Math.max(...placed.map((g) => g.y + g.h));
  // the lowest line's space is free only when nothing from a line above reaches down into it
  const blocked = placed.some((g) => g.y < lastY && g.y + g.h > lastY && g.x + g.w > right);
  if (right + w <= GRID_COLUMNS && !blocked) return { x: right, y: lastY, w, h };
  return { x: 0, y: bottom, w, h };
}

/** A panel of `type` with one empty query of the datasource, at the first free place, with the next id. */
export function addPanel(d: Dashboard, panel: Panel): { dashboard: Dashboard; panel: Panel } {
  const id = nextPanelId(d);
  const g = panel.gridPos ?? { x: 0, y: 0, w: 12, h: 8 };
  const added: Panel = { ...panel, id, gridPos: freePosition(d.panels ?? [], g.w, g.h) };
  return { dashboard: { ...d, panels: [...(d.panels ?? []), added] }, panel: added };
}

/** The dashboard with the panel of `panel.id` replaced (also inside a collapsed row). */
export function replacePanel(d: Dashboard, panel: Panel): Dashboard {
  const swap = (ps: Panel[]): Panel[] => ps.map((p) => (p.id === panel.id ? panel : p.panels ? { ...p, panels: swap(p.panels) } : p));
  return { ...d, panels: swap(d.panels ?? []) };
}

/** The dashboard without the panel of this id. */
export function removePanel(d: Dashboard, id: number): Dashboard {
  const drop = (ps: Panel[]): Panel[] => ps.filter((p) => p.id !== id).map((p) => (p.panels ? { ...p, panels: drop(p.panels) } : p));
  return { ...d, panels: drop(d.panels ?? []) };
}

/** The dashboard with the variable `previous` (by name) replaced by `v`, or `v` appended when there is none. */
export function putVariable(d: Dashboard, v: VariableModel, previous = v.name): Dashboard {
  const list = d.templating?.list ?? [];
  const i = list.findIndex((x) => x.name === previous);
  const next = i < 0 ? [...list, v] : list.map((x, k) => (k === i ? v : x));
  return { ...d, templating: { ...d.templating, list: next } };
}

/** The dashboard without the variable of this name. */
export function removeVariable(d: Dashboard, name: string): Dashboard {
  return { ...d, templating: { ...d.templating, list: (d.templating?.list ?? []).filter((x) => x.name !== name) } };
}

/** Why a variable name cannot be used (Grafana's rules: a word, not `__`-prefixed, unique), or '' when it can. */
export function variableNameError(d: Dashboard, name: string, previous?: string): string {
  if (!/^\w+$/.test(name)) return 'Only word characters are allowed in variable names';
  if (name.startsWith('__')) return "Variable names cannot begin with '__', that is reserved for Grafana's global variables";
  if (name !== previous && (d.templating?.list ?? []).some((x) => x.name === name)) return 'Variable with the same name already exists';
  return '';
}

/** The dashboard's links (Grafana's `links`), or none when it has no list. */
export function dashboardLinks(d: Dashboard): DashboardLink[] {
  return Array.isArray(d.links) ? (d.links as DashboardLink[]) : [];
}

/** The dashboard with link `index` replaced by `link`, or `link` appended when `index` is past the end. */
export function putLink(d: Dashboard, link: DashboardLink, index = Infinity): Dashboard {
  const list = dashboardLinks(d);
  return { ...d, links: index < list.length ? list.map((l, i) => (i === index ? link : l)) : [...list, link] };
}

/** The dashboard without link `index`. */
export function removeLink(d: Dashboard, index: number): Dashboard {
  return { ...d, links: dashboardLinks(d).filter((_, i) => i !== index) };
}

/** The dashboard with link `index` moved `by` places (−1 up, +1 down), kept inside the list. */
export function moveLink(d: Dashboard, index: number, by: number): Dashboard {
  const list = [...dashboardLinks(d)];
  const to = Math.min(list.length - 1, Math.max(0, index + by));
  if (index < 0 || index >= list.length || to === index) return d;
  const [l] = list.splice(index, 1);
  list.splice(to, 0, l!);
  return { ...d, links: list };
}

const overlaps = (a: GridPos, b: GridPos) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;

/**
 * The dashboard with panel `id` moved or resized to `pos` (kept inside the 24 columns), and the panels it now
 * covers pushed down below it, those in turn pushing what they cover, as Grafana's grid does. Panels inside
 * collapsed rows are not on the grid and stay as they are.
 */
export function movePanel(d: Dashboard, id: number, pos: GridPos): Dashboard {
  const w = Math.min(GRID_COLUMNS, Math.max(1, Math.round(pos.w)));
  const moved: GridPos = { x: Math.min(GRID_COLUMNS - w, Math.max(0, Math.round(pos.x))), y: Math.max(0, Math.round(pos.y)), w, h: Math.max(1, Math.round(pos.h)) };
  const panels = (d.panels ?? []).map((p) => (p.id === id ? { ...p, gridPos: moved } : p));
  // settle from the top, the moved panel first: each panel that overlaps one already settled goes just below it
  const settled: GridPos[] = [];
  const out = new Map<Panel, Panel>();
  const queue = [...panels].sort((a, b) => (a.id === id ? -1 : b.id === id ? 1 : (a.gridPos?.y ?? 0) - (b.gridPos?.y ?? 0) || (a.gridPos?.x ?? 0) - (b.gridPos?.x ?? 0)));
  for (const p of queue) {
    if (!p.gridPos) continue;
    let g = p.gridPos;
    for (let hit = settled.find((s) => overlaps(s, g)); hit; hit = settled.find((s) => overlaps(s, g))) g = { ...g, y: hit.y + hit.h };
    settled.push(g);
    if (g !== p.gridPos) out.set(p, { ...p, gridPos: g });
  }
  // the dashboard's order of panels is kept
  return { ...d, panels: panels.map((p) => out.get(p) ?? p) };
}

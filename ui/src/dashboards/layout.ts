/**
 * Panels on Grafana's grid: 24 columns, rows of 30 px with 8 px gaps. Rows split the dashboard into sections; a
 * collapsed row keeps its panels in `row.panels` and takes one grid line. Sections are stacked in order, each
 * keeping its panels' relative positions, so expanding or collapsing a row moves what follows. Pure.
 */
import type { GridPos, Panel } from './model.js';

export const GRID_COLUMNS = 24;
export const CELL_PX = 30;
export const GAP_PX = 8;

export interface PlacedPanel {
  panel: Panel;
  /** A stable key: the panel id, else its index in the dashboard. */
  key: string;
  pos: GridPos;
  /** The row this panel sits under (its key), if any. */
  row?: string;
  /** For a row: whether it is collapsed now. */
  collapsed?: boolean;
}

const posOf = (p: Panel): GridPos => {
  const g = p.gridPos ?? { x: 0, y: 0, w: 12, h: 8 };
  const w = Math.min(GRID_COLUMNS, Math.max(1, Math.round(g.w ?? 12)));
  return { x: Math.min(GRID_COLUMNS - w, Math.max(0, Math.round(g.x ?? 0))), y: Math.max(0, Math.round(g.y ?? 0)), w, h: Math.max(1, Math.round(g.h ?? 8)) };
};
const byPosition = (a: Panel, b: Panel) => posOf(a).y - posOf(b).y || posOf(a).x - posOf(b).x;

/**
 * Place the dashboard's panels. `collapsed` overrides the saved state of rows by key (the user toggled them).
 * Panels of an expanded row come from `row.panels` when it carries them (a row saved collapsed), else from the
 * panels below it up to the next row.
 */
export function layoutPanels(panels: Panel[], collapsed: ReadonlyMap<string, boolean> = new Map()): PlacedPanel[] {
  const keyed = panels.map((p, i) => ({ p, key: p.id !== undefined ? `p${p.id}` : `i${i}` }));
  keyed.sort((a, b) => byPosition(a.p, b.p));
  const sections: { row?: { p: Panel; key: string }; panels: { p: Panel; key: string }[] }[] = [{ panels: [] }];
  for (const k of keyed) {
    if (k.p.type === 'row') sections.push({ row: k, panels: [] });
    else sections[sections.length - 1]!.panels.push(k);
  }
  const out: PlacedPanel[] = [];
  let y = 0;
  for (const s of sections) {
    let members = s.panels;
    let isCollapsed = false;
    if (s.row) {
      isCollapsed = collapsed.get(s.row.key) ?? s.row.p.collapsed === true;
      const inner = (s.row.p.panels ?? []).map((p, i) => ({ p, key: p.id !== undefined ? `p${p.id}` : `${s.row!.key}-${i}` }));
      members = [...members, ...inner].sort((a, b) => byPosition(a.p, b.p));
      out.push({ panel: s.row.p, key: s.row.key, pos: { x: 0, y, w: GRID_COLUMNS, h: 1 }, collapsed: isCollapsed });
      y += 1;
    }
    if (isCollapsed || members.length === 0) continue;
    const top = Math.min(...members.map((m) => posOf(m.p).y));
    let bottom = y;
    for (const m of members) {
      const g = posOf(m.p);
      const pos = { ...g, y: y + g.y - top };
      bottom = Math.max(bottom, pos.y + pos.h);
      out.push({ panel: m.p, key: m.key, pos, ...(s.row ? { row: s.row.key } : {}) });
    }
    y = bottom;
  }
  return out;
}

/** The panels a viewer sees on load: not rows, not inside collapsed rows. */
export function visiblePanels(panels: Panel[]): Panel[] {
  return layoutPanels(panels)
    .filter((p) => p.panel.type !== 'row')
    .map((p) => p.panel);
}

/** A grid height in pixels (`h` cells and the gaps between them). */
export const gridHeightPx = (h: number) => h * CELL_PX + (h - 1) * GAP_PX;

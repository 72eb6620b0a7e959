/**
 * Grafana's panel repeats: a panel with `repeat: "var"` is drawn once per selected value of the variable (every
 * option for All), each copy seeing the variable as that one value (`scopedVars`). Copies go across
 * (`repeatDirection: "h"`, at most `maxPerRow` per line, 4 by default, wrapping) or down (`"v"`); the panels below
 * move down by the lines added. A row with `repeat` is copied with the panels under it (or the ones it carries when
 * collapsed), each copy's panels seeing that row's value. Pure.
 */
import type { VariableValue } from './interpolate.js';
import type { Panel } from './model.js';

const GRID_COLUMNS = 24;

/** The values a repeat runs over: the selected ones, or every option when All is selected. */
export function repeatValues(v: VariableValue | undefined): string[] {
  if (!v) return [];
  if (v.isAll) return v.options ?? [];
  return Array.isArray(v.value) ? v.value : [v.value];
}

/** A variable fixed to one value, as a repeated panel sees it. */
export const scopedValue = (value: string): VariableValue => ({ value, text: value });

function expandList(panels: Panel[], vars: ReadonlyMap<string, VariableValue>, nextId: { id: number }): Panel[] {
  const out: Panel[] = [];
  // lines added so far, with the y (bottom of the repeated panel) from which panels move down
  const shifts: { from: number; by: number }[] = [];
  const shifted = (p: Panel): Panel => {
    if (!p.gridPos) return p;
    const by = shifts.filter((s) => p.gridPos!.y >= s.from).reduce((a, s) => a + s.by, 0);
    return by ? { ...p, gridPos: { ...p.gridPos, y: p.gridPos.y + by } } : p;
  };
  const ordered = [...panels].sort((a, b) => (a.gridPos?.y ?? 0) - (b.gridPos?.y ?? 0) || (a.gridPos?.x ?? 0) - (b.gridPos?.x ?? 0));
  for (const original of ordered) {
    const p = shifted(original);
    if (p.type === 'row') {
      out.push(p.panels?.length ? { ...p, panels: expandList(p.panels, vars, nextId) } : p);
      continue;
    }
    const values = p.repeat ? repeatValues(vars.get(p.repeat)) : [];
    if (!p.repeat || values.length === 0) {
      out.push(p);
      continue;
    }
    const g = p.gridPos ?? { x: 0, y: 0, w: 12, h: 8 };
    const vertical = p.repeatDirection === 'v';
    const perRow = vertical ? 1 : Math.max(1, Math.min(values.length, p.maxPerRow ?? 4));
    const w = vertical ? g.w : Math.floor(GRID_COLUMNS / perRow);
    values.forEach((value, i) => {
      const line = Math.floor(i / perRow);
      out.push({
        ...p,
        id: i === 0 ? p.id : nextId.id++,
        gridPos: { x: vertical ? g.x : (i % perRow) * w, y: g.y + line * g.h, w, h: g.h },
        scopedVars: { ...(p.scopedVars ?? {}), [p.repeat!]: value },
        ...(i > 0 ? { repeatPanelId: p.id } : {}),
      });
    });
    const lines = Math.ceil(values.length / perRow);
    if (lines > 1) shifts.push({ from: g.y + g.h, by: (lines - 1) * g.h });
  }
  return out;
}

const bottom = (ps: Panel[]) => Math.max(0, ...ps.map((p) => (p.gridPos?.y ?? 0) + (p.gridPos?.h ?? 0)));
const moved = (p: Panel, dy: number): Panel => (p.gridPos && dy ? { ...p, gridPos: { ...p.gridPos, y: p.gridPos.y + dy } } : p);

/** Repeated rows: each row with `repeat` and its section copied per value, the sections below moved down. */
function expandRows(panels: Panel[], vars: ReadonlyMap<string, VariableValue>, nextId: { id: number }): Panel[] {
  const ordered = [...panels].sort((a, b) => (a.gridPos?.y ?? 0) - (b.gridPos?.y ?? 0) || (a.gridPos?.x ?? 0) - (b.gridPos?.x ?? 0));
  const sections: { row?: Panel; members: Panel[] }[] = [{ members: [] }];
  for (const p of ordered) {
    if (p.type === 'row') sections.push({ row: p, members: [] });
    else sections[sections.length - 1]!.members.push(p);
  }
  const out: Panel[] = [];
  let shift = 0;
  for (const { row, members } of sections) {
    const values = row?.repeat ? repeatValues(vars.get(row.repeat)) : [];
    if (!row || values.length === 0) {
      if (row) out.push(moved(row, shift));
      out.push(...members.map((p) => moved(p, shift)));
      continue;
    }
    const y = row.gridPos?.y ?? 0;
    const height = Math.max(1, bottom([row, ...members]) - y);
    values.forEach((value, i) => {
      const scope = (p: Panel): Panel => ({ ...p, id: i === 0 ? p.id : nextId.id++, scopedVars: { ...(p.scopedVars ?? {}), [row.repeat!]: value } });
      const dy = shift + i * height;
      out.push(moved({ ...scope(row), ...(row.panels ? { panels: row.panels.map((c) => moved(scope(c), i * height)) } : {}) }, dy));
      out.push(...members.map((p) => moved(scope(p), dy)));
    });
    shift += (values.length - 1) * height;
  }
  return out;
}

/** The dashboard's panels with every repeated row and panel expanded for the variables' current values. */
export function expandRepeats(panels: Panel[], vars: ReadonlyMap<string, VariableValue> | undefined): Panel[] {
  if (!vars || !panels.some((p) => p.repeat || p.panels?.some((c) => c.repeat))) return panels;
  const ids = panels.flatMap((p) => [p.id ?? 0, ...(p.panels ?? []).map((c) => c.id ?? 0)]);
  const nextId = { id: Math.max(0, ...ids) + 1 };
  return expandList(expandRows(panels, vars, nextId), vars, nextId);
}

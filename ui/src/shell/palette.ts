import type { NavItem } from './nav.js';

/** One entry of the command palette: a page, a dashboard, a data source's settings or Explore on it. */
export interface PaletteItem {
  kind: 'Page' | 'Dashboard' | 'Data source' | 'Explore';
  title: string;
  path: string;
  detail?: string;
}

/** Pages of the menu (children with their section as detail), flattened in menu order. */
export function pageItems(items: NavItem[], section?: string): PaletteItem[] {
  return items.flatMap((i) => [{ kind: 'Page' as const, title: i.title, path: i.path, detail: section }, ...pageItems(i.children ?? [], i.title)]);
}

/** Case-insensitive: every word of the query in the title or detail; titles starting with the query first. */
export function filterItems(items: PaletteItem[], query: string): PaletteItem[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  const q = query.trim().toLowerCase();
  const hits = items.filter((i) => words.every((w) => `${i.title} ${i.detail ?? ''} ${i.kind}`.toLowerCase().includes(w)));
  return q ? [...hits.filter((i) => i.title.toLowerCase().startsWith(q)), ...hits.filter((i) => !i.title.toLowerCase().startsWith(q))] : hits;
}

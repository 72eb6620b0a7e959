/** The shell's keyboard layer and command palette filtering, as pure functions (the browser side is in ui-walkthrough). */
import { describe, expect, it } from 'vitest';
import { NAV } from '../ui/src/shell/nav.js';
import { filterItems, pageItems } from '../ui/src/shell/palette.js';
import { keySequenceMatcher, shiftRange, SHORTCUTS, zoomOutRange } from '../ui/src/shell/shortcuts.js';

describe('keySequenceMatcher', () => {
  const seqs = SHORTCUTS.filter((s) => s.keys.length > 1).map((s) => s.keys);
  it('completes two-key sequences typed within the timeout', () => {
    const m = keySequenceMatcher(seqs);
    expect(m('t', 0)).toBeUndefined();
    expect(m('z', 300)).toBe('t z');
    expect(m('g', 400)).toBeUndefined();
    expect(m('h', 500)).toBe('g h');
  });
  it('forgets a prefix after a pause and restarts on a key that begins another sequence', () => {
    const m = keySequenceMatcher(seqs);
    expect(m('t', 0)).toBeUndefined();
    expect(m('z', 2000)).toBeUndefined();
    expect(m('t', 3000)).toBeUndefined();
    expect(m('g', 3100)).toBeUndefined();
    expect(m('e', 3200)).toBe('g e');
    expect(m('x', 3300)).toBeUndefined();
    expect(m('z', 3400)).toBeUndefined();
  });
});

describe('time range shortcuts', () => {
  const now = Date.UTC(2026, 0, 1, 12);
  it('t z doubles the span around the centre, not past now', () => {
    expect(zoomOutRange({ from: String(now - 4 * 3600_000), to: String(now - 2 * 3600_000) }, now)).toEqual({ from: String(now - 5 * 3600_000), to: String(now - 3600_000) });
    expect(zoomOutRange({ from: 'now-1h', to: 'now' }, now)).toEqual({ from: String(now - 2 * 3600_000), to: String(now) });
  });
  it('t ← and t → move by half the span', () => {
    const r = { from: String(now - 4 * 3600_000), to: String(now - 2 * 3600_000) };
    expect(shiftRange(r, now, -1)).toEqual({ from: String(now - 5 * 3600_000), to: String(now - 3 * 3600_000) });
    expect(shiftRange(r, now, 1)).toEqual({ from: String(now - 3 * 3600_000), to: String(now - 3600_000) });
    expect(shiftRange({ from: 'now-1h', to: 'now' }, now, 1)).toEqual({ from: String(now - 3600_000), to: String(now) });
  });
});

describe('command palette', () => {
  const items = [...pageItems(NAV), { kind: 'Dashboard' as const, title: 'Sightline health', path: '/d/health/x', detail: 'General' }, { kind: 'Data source' as const, title: 'Prometheus', path: '/datasources/edit/prometheus', detail: 'Prometheus' }];
  it('lists every menu page with its section', () => {
    expect(items.find((i) => i.path === '/prometheus/targets')).toEqual({ kind: 'Page', title: 'Targets', path: '/prometheus/targets', detail: 'Prometheus' });
  });
  it('matches every word anywhere, titles starting with the query first', () => {
    expect(filterItems(items, 'health').map((i) => i.title)).toEqual(['Sightline health']);
    expect(filterItems(items, 'prom targ').map((i) => i.path)).toEqual(['/prometheus/targets']);
    const prom = filterItems(items, 'prom').map((i) => i.title);
    expect(prom[0]).toBe('Prometheus');
    expect(prom).toContain('Rules');
    expect(filterItems(items, 'no such thing')).toEqual([]);
  });
});

import { parseTime, type TimeRange } from '../lib/time.js';

/** One keyboard shortcut: a sequence of keys typed within a second of each other (`['t', 'z']`), as in Grafana. */
export interface Shortcut {
  keys: string[];
  description: string;
}

/** Grafana's global shortcuts that Sightline has; the help dialog (`?`) lists exactly these. */
export const SHORTCUTS: Shortcut[] = [
  { keys: ['mod+k'], description: 'Open the command palette (search pages, dashboards, data sources)' },
  { keys: ['?'], description: 'Show all keyboard shortcuts' },
  { keys: ['Escape'], description: 'Close a dialog, the palette or a popup' },
  { keys: ['g', 'h'], description: 'Go to Home' },
  { keys: ['g', 'e'], description: 'Go to Explore' },
  { keys: ['g', 'd'], description: 'Go to Dashboards' },
  { keys: ['g', 'a'], description: 'Go to Alerting' },
  { keys: ['t', 'z'], description: 'Zoom out the time range' },
  { keys: ['t', 'ArrowLeft'], description: 'Move the time range back' },
  { keys: ['t', 'ArrowRight'], description: 'Move the time range forward' },
  { keys: ['c', 't'], description: 'Change the theme' },
];

/**
 * Feeds keys one at a time and reports a completed sequence: the keys typed so far that are the start of some
 * sequence are kept, anything else (or a pause over `timeoutMs`) starts over.
 */
export function keySequenceMatcher(sequences: string[][], timeoutMs = 1000): (key: string, at: number) => string | undefined {
  let typed: string[] = [];
  let last = 0;
  return (key, at) => {
    if (at - last > timeoutMs) typed = [];
    last = at;
    typed.push(key);
    for (;;) {
      const full = sequences.find((s) => s.length === typed.length && s.every((k, i) => k === typed[i]));
      if (full) {
        typed = [];
        return full.join(' ');
      }
      if (sequences.some((s) => s.length > typed.length && typed.every((k, i) => k === s[i]))) return undefined;
      typed = typed.slice(1);
      if (typed.length === 0) return undefined;
    }
  };
}

/** Grafana's `t z`: the same centre, twice the span; absolute epoch-ms bounds, the end never past now. */
export function zoomOutRange(r: TimeRange, now: number): TimeRange {
  const from = parseTime(r.from, now);
  const to = parseTime(r.to, now, true);
  const span = to - from;
  const end = Math.min(now, to + span / 2);
  return { from: String(Math.round(end - span * 2)), to: String(Math.round(end)) };
}

/** Grafana's `t ←` / `t →`: move the range by half its span (never ending past now). */
export function shiftRange(r: TimeRange, now: number, direction: -1 | 1): TimeRange {
  const from = parseTime(r.from, now);
  const to = parseTime(r.to, now, true);
  const span = to - from;
  const end = Math.min(now, to + (direction * span) / 2);
  return { from: String(Math.round(end - span)), to: String(Math.round(end)) };
}

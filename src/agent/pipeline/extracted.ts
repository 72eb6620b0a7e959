import type { LogEntry } from '../entry.js';

/**
 * Promtail's extracted map starts as a copy of the entry's labels; parsing stages add to it. Here it is built
 * lazily: a name not extracted yet falls back to the label of that name.
 */
export function extractedValue(e: LogEntry, name: string): unknown {
  const x = e.extracted;
  if (x !== undefined && name in x) return x[name];
  return e.labels[name];
}

export function setExtracted(e: LogEntry, name: string, value: unknown): void {
  (e.extracted ??= {})[name] = value;
}

/** A value as Promtail turns it into text (labels, output): strings as they are, others as JSON. */
export function valueToString(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

import { Labels } from './labels.js';
import { Matcher, type MatchType } from './matcher.js';

/**
 * Labels and matchers as they cross threads (structured clone keeps plain data only): labels as their sorted flat
 * array, matchers as [type, name, value].
 */
export type WireLabels = readonly string[];
export type WireMatcher = [MatchType, string, string];

export function labelsToWire(l: Labels): WireLabels {
  return l.flat;
}

export function labelsFromWire(w: WireLabels): Labels {
  return w.length === 0 ? Labels.EMPTY : Labels.fromSortedFlat(w);
}

export function matchersToWire(ms: readonly Matcher[]): WireMatcher[] {
  return ms.map((m) => [m.type, m.name, m.value]);
}

export function matchersFromWire(ms: readonly WireMatcher[]): Matcher[] {
  return ms.map(([type, name, value]) => new Matcher(type, name, value));
}

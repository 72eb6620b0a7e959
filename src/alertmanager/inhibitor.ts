import type { Matcher } from '../model/index.js';
import { isResolved, type Alert } from './alert.js';
import type { InhibitRuleConfig } from './config/schema.js';
import type { LabelSet } from './labels.js';

function matchesAll(ms: readonly Matcher[], ls: LabelSet): boolean {
  for (const m of ms) if (!m.matches(ls[m.name] ?? '')) return false;
  return true;
}

/**
 * Inhibition as Alertmanager does it: an alert matching a rule's target matchers is muted while a firing alert
 * matching its source matchers has the same values for the `equal` labels. An alert that matches both sides is not
 * inhibited by an alert that also matches both sides.
 */
export class Inhibitor {
  /** Per rule: the source alerts by fingerprint. */
  private readonly sources: Map<string, Alert>[];

  constructor(
    private readonly rules: readonly InhibitRuleConfig[],
    private readonly now: () => number = Date.now,
  ) {
    this.sources = rules.map(() => new Map());
  }

  /** Feed every stored alert version (subscribed to the alert store). */
  observe(a: Alert): void {
    this.rules.forEach((r, i) => {
      if (matchesAll(r.sourceMatchers, a.labels)) this.sources[i].set(a.fingerprint, a);
    });
  }

  forget(a: Alert): void {
    for (const s of this.sources) if (s.get(a.fingerprint) === a) s.delete(a.fingerprint);
  }

  /** Fingerprints of the alerts inhibiting this label set (empty: not inhibited). */
  inhibitedBy(ls: LabelSet, fp: string): string[] {
    const now = this.now();
    for (let i = 0; i < this.rules.length; i++) {
      const r = this.rules[i];
      if (!matchesAll(r.targetMatchers, ls)) continue;
      const excludeTwoSided = matchesAll(r.sourceMatchers, ls);
      for (const src of this.sources[i].values()) {
        if (src.fingerprint === fp || isResolved(src, now)) continue;
        if (excludeTwoSided && matchesAll(r.targetMatchers, src.labels)) continue;
        let equal = true;
        for (const l of r.equal) {
          if ((src.labels[l] ?? '') !== (ls[l] ?? '')) {
            equal = false;
            break;
          }
        }
        if (equal) return [src.fingerprint];
      }
    }
    return [];
  }
}

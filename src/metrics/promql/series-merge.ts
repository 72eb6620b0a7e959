import { PromqlError } from './types.js';
import type { StepSeries } from './values.js';

/** Merge series with the same labels (and dropName) whose steps do not overlap; overlapping ones are an error. */
export function mergeByLabels(vec: StepSeries[], steps: number, keepDropName = false): StepSeries[] {
  const byKey = new Map<string, StepSeries>();
  const out: StepSeries[] = [];
  for (const s of vec) {
    const k = s.labels.key();
    const prev = byKey.get(k);
    if (!prev) {
      byKey.set(k, s);
      out.push(s);
      continue;
    }
    for (let i = 0; i < steps; i++) {
      if (!s.has[i]) continue;
      if (prev.has[i]) throw new PromqlError('execution', 'vector cannot contain metrics with the same labelset');
      prev.has[i] = 1;
      prev.v[i] = s.v[i];
    }
    if (keepDropName && s.dropName) prev.dropName = true;
  }
  return out;
}

import { relabel, type CompiledRelabel } from '../metrics/relabel/index.js';
import { Labels } from '../model/index.js';

/**
 * A target's or stream's labels as Promtail finishes them: relabeled, then every label starting with `__` removed.
 * Undefined when relabeling drops it or nothing is left.
 */
export function finishLabels(input: Record<string, string>, rules: readonly CompiledRelabel[]): Record<string, string> | undefined {
  const out = relabel(Labels.fromObject(input), rules);
  if (!out) return undefined;
  const kept: Record<string, string> = {};
  let n = 0;
  out.forEach((k, v) => {
    if (!k.startsWith('__')) {
      kept[k] = v;
      n++;
    }
  });
  return n > 0 ? kept : undefined;
}

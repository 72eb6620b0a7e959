import { deriveLabels } from '../entry.js';
import { extractedValue, valueToString } from './extracted.js';
import type { Stage } from './pipeline.js';
import type { StageConfig } from './stage-config.js';

/**
 * `pack`: the line becomes a JSON object of the named labels (or extracted values) plus `_entry` (the original
 * line); packed labels are removed from the stream. With `ingest_timestamp` (default) the entry's time becomes the
 * time it was read, as Promtail does.
 */
export function packStage(cfg: NonNullable<StageConfig['pack']>): Stage {
  const dropKey = `\u0001pack\u0000${cfg.labels.join('\u0000')}`;
  return {
    name: 'pack',
    process(e, emit) {
      const obj: Record<string, string> = {};
      for (const n of cfg.labels) {
        const v = n in e.labels ? e.labels[n] : valueToString(extractedValue(e, n));
        if (v !== undefined) obj[n] = v;
      }
      obj._entry = e.line;
      e.line = JSON.stringify(obj);
      if (cfg.labels.some((n) => n in e.labels)) {
        deriveLabels(e, dropKey, (l) => {
          for (const n of cfg.labels) delete l[n];
        });
      }
      if (cfg.ingest_timestamp) {
        e.tsMs = Date.now();
        e.tsNs = 0;
      }
      emit(e);
    },
  };
}

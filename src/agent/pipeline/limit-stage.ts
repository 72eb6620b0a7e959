import type { Counter } from 'prom-client';
import { ReadlineLimiter } from '../readline-limiter.js';
import { dropEntry, type Stage } from './pipeline.js';
import type { StageConfig } from './stage-config.js';

/**
 * `limit`: a token bucket (`rate` lines/s, `burst`) over the job's lines, or one per value of `by_label_name` (at
 * most `max_distinct_labels`). With `drop: true` lines beyond it are dropped and counted
 * (`logentry_dropped_lines_total{reason="ratelimit_drop_stage"}`). Otherwise (Promtail's default) nothing is
 * dropped: the line passes taking its token on credit and the job's readers wait until the bucket is out of debt —
 * Promtail's blocking pipeline, without holding entries in memory. In that mode `onWait` receives the function
 * telling how long the readers have yet to wait.
 */
export function limitStage(cfg: NonNullable<StageConfig['limit']>, dropped: Counter<'reason'>, onWait?: (waitMs: () => number) => void): Stage {
  const mk = () => new ReadlineLimiter(cfg.rate, cfg.burst);
  let waitUntil = 0;
  if (!cfg.drop) onWait?.(() => Math.max(0, waitUntil - performance.now()));
  const global = mk();
  const per = new Map<string, ReadlineLimiter>();
  return {
    name: 'limit',
    process(e, emit) {
      let lim = global;
      if (cfg.by_label_name !== undefined) {
        const v = e.labels[cfg.by_label_name];
        if (v === undefined) {
          emit(e);
          return;
        }
        let l = per.get(v);
        if (!l) {
          if (per.size >= cfg.max_distinct_labels) per.clear();
          l = mk();
          per.set(v, l);
        }
        lim = l;
      }
      if (!cfg.drop) {
        lim.take();
        const debt = lim.debtMs();
        if (debt > 0) waitUntil = Math.max(waitUntil, performance.now() + debt);
        emit(e);
      } else if (lim.tryTake()) emit(e);
      else {
        dropped.inc({ reason: 'ratelimit_drop_stage' });
        dropEntry(e);
      }
    },
  };
}

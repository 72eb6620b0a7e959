import type { Counter } from 'prom-client';
import { ReadlineLimiter } from '../readline-limiter.js';
import { dropEntry, type Stage } from './pipeline.js';
import type { StageConfig } from './stage-config.js';

/**
 * `limit`: a token bucket (`rate` lines/s, `burst`) over the job's lines, or one per value of `by_label_name` (at
 * most `max_distinct_labels`). Lines beyond it are dropped and counted. Promtail's blocking mode (`drop: false`)
 * would stall every file of the job behind one pipeline here, so it is refused at start.
 */
export function limitStage(cfg: NonNullable<StageConfig['limit']>, dropped: Counter<'reason'>): Stage {
  if (!cfg.drop) throw new Error('only drop: true is supported (rate-limited lines are dropped and counted)');
  const global = new ReadlineLimiter(cfg.rate, cfg.burst);
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
          l = new ReadlineLimiter(cfg.rate, cfg.burst);
          per.set(v, l);
        }
        lim = l;
      }
      if (lim.tryTake()) emit(e);
      else {
        dropped.inc({ reason: 'ratelimit_drop_stage' });
        dropEntry(e);
      }
    },
  };
}

import type { Appendable, Querier, Queryable } from '../metrics/storage-api/index.js';
import { xxhash64 } from '../metrics/promql/index.js';
import type { Labels} from '../model/index.js';
import { METRIC_NAME, Matcher, STALE_NAN, isStaleNaN } from '../model/index.js';
import type { Logger } from '../server/index.js';
import type { Alert } from './alert.js';
import { AlertingRule } from './alerting-rule.js';
import type { RuleQueryEngine } from './query-engine.js';
import type { RuleBase } from './rule.js';
import type { RuleMetrics } from './self-metrics.js';

/** Called with the alerts of one alerting rule that need sending, and the rule's canonical expression. */
export type NotifyFunc = (expr: string, alerts: Alert[]) => void;

export interface GroupOptions {
  engine: RuleQueryEngine;
  appendable: Appendable;
  /** For restoring `for` state from `ALERTS_FOR_STATE`; no restore when absent. */
  queryable?: Queryable;
  /**
   * Restore `for` state without stored `ALERTS_FOR_STATE` (Loki's ruler, which keeps no TSDB: its `MemStore`
   * re-evaluates the rule): how long an alert has been active is found by evaluating its rule back over its `for`.
   */
  replayForState?: boolean;
  notify?: NotifyFunc;
  /** Called after each scheduled evaluation of a group (Grafana-managed alerting saves its alert instances). */
  onEvaluated?: (group: RuleGroup) => void;
  /** ms (`--rules.alert.resend-delay`, 1m). */
  resendDelay: number;
  /** ms (`--rules.alert.for-outage-tolerance`, 1h). */
  outageTolerance: number;
  /** ms (`--rules.alert.for-grace-period`, 10m). */
  forGracePeriod: number;
  metrics: RuleMetrics;
  logger: Logger;
  now?: () => number;
}

const encoder = new TextEncoder();

/** Prometheus's `Group.hash()`: the label hash of {file, name}. */
export function groupHash(file: string, name: string): bigint {
  const parts = ['file', file, 'name', name].map((p) => encoder.encode(p));
  const buf = new Uint8Array(parts.reduce((n, p) => n + p.length + 1, 0));
  let o = 0;
  for (const p of parts) {
    buf.set(p, o);
    o += p.length;
    buf[o++] = 0xff;
  }
  return xxhash64(buf);
}

/** Prometheus's `EvalTimestamp`: the latest time ≤ `startMs` on the group's grid (interval, offset by its hash). */
export function evalTimestamp(hash: bigint, intervalMs: number, startMs: number): number {
  const interval = BigInt(intervalMs) * 1_000_000n;
  const offset = hash % interval;
  const adjNow = BigInt(Math.floor(startMs)) * 1_000_000n - offset;
  const base = adjNow - (((adjNow % interval) + interval) % interval);
  return Number((base + offset) / 1_000_000n);
}

/**
 * A rule group: rules evaluated in order on one timestamp every `interval`, aligned as Prometheus aligns them;
 * results appended through the `Appendable` with staleness markers for series that vanish; alerts handed to the
 * notifier; `for` state restored from `ALERTS_FOR_STATE` after a start.
 */
export class RuleGroup {
  readonly key: string;
  /** Series written by each rule in its last evaluation, by label key. */
  seriesInPreviousEval: Map<string, Labels>[];
  staleSeries: Labels[] = [];
  evaluationTime = 0;
  lastEvaluation = 0;
  lastEvalTimestamp = 0;
  shouldRestore = false;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private running: Promise<void> | undefined;
  private readonly now: () => number;

  constructor(
    readonly name: string,
    readonly file: string,
    /** ms. */
    readonly interval: number,
    readonly limit: number,
    /** ms. */
    readonly queryOffset: number,
    readonly rules: RuleBase[],
    /** A text that is equal when two groups' definitions are (reload keeps an unchanged group running). */
    readonly fingerprint: string,
    private readonly opts: GroupOptions,
  ) {
    this.key = `${file};${name}`;
    this.seriesInPreviousEval = rules.map(() => new Map());
    this.now = opts.now ?? Date.now;
  }

  hash(): bigint {
    return groupHash(this.file, this.name);
  }

  /** Starts the evaluation loop (first evaluation at the group's next slot). */
  start(): void {
    const m = this.opts.metrics;
    m.interval.set({ rule_group: this.key }, this.interval / 1000);
    m.rules.set({ rule_group: this.key }, this.rules.length);
    let evalTs = evalTimestamp(this.hash(), this.interval, this.now()) + this.interval;
    let iteration = 0;
    const schedule = () => {
      if (this.stopped) return;
      const wait = Math.max(0, evalTs - this.now());
      this.timer = setTimeout(() => {
        this.running = (async () => {
          const missed = Math.floor((this.now() - evalTs) / this.interval);
          if (iteration > 0 && missed > 0) {
            m.iterationsMissed.inc({ rule_group: this.key }, missed);
            m.iterationsScheduled.inc({ rule_group: this.key }, missed);
            evalTs += missed * this.interval;
          }
          await this.iterate(evalTs);
          iteration++;
          if (this.shouldRestore && iteration === 2) {
            await this.restoreForState(this.now());
            this.shouldRestore = false;
          }
          evalTs += this.interval;
        })().finally(schedule);
      }, wait);
      this.timer.unref?.();
    };
    schedule();
  }

  /** One scheduled evaluation at `ts` (ms), with its timing recorded. */
  async iterate(ts: number): Promise<void> {
    const m = this.opts.metrics;
    m.iterationsScheduled.inc({ rule_group: this.key });
    const start = this.now();
    const t0 = performance.now();
    await this.eval(ts - this.queryOffset);
    const took = (performance.now() - t0) / 1000;
    this.evaluationTime = took;
    this.lastEvaluation = start;
    this.lastEvalTimestamp = ts;
    m.lastDuration.set({ rule_group: this.key }, took);
    m.lastEvaluation.set({ rule_group: this.key }, start / 1000);
    this.opts.onEvaluated?.(this);
  }

  /** Evaluates every rule at `ts` (Prometheus's `Group.Eval`). */
  async eval(ts: number): Promise<void> {
    const m = this.opts.metrics;
    let samplesTotal = 0;
    for (let i = 0; i < this.rules.length; i++) {
      if (this.stopped) return;
      const rule = this.rules[i];
      const t0 = performance.now();
      rule.lastEvaluation = this.now();
      m.evalTotal.inc({ rule_group: this.key });
      let out;
      try {
        out = await rule.eval(this.opts.engine, ts, this.limit);
      } catch (e) {
        rule.health = 'err';
        rule.lastError = (e as Error).message;
        rule.evaluationTime = (performance.now() - t0) / 1000;
        m.evalFailures.inc({ rule_group: this.key });
        this.opts.logger.warn({ group: this.name, file: this.file, name: rule.name, index: i, err: rule.lastError }, 'Evaluating rule failed');
        continue;
      }
      rule.health = 'ok';
      rule.lastError = '';
      samplesTotal += out.labels.length;
      if (rule instanceof AlertingRule && this.opts.notify) {
        const alerts = rule.alertsToSend(ts, this.opts.resendDelay, this.interval);
        if (alerts.length > 0) this.opts.notify(rule.query, alerts);
      }
      const app = this.opts.appendable.appender();
      const returned = new Map<string, Labels>();
      let appendErr = '';
      for (let j = 0; j < out.labels.length; j++) {
        try {
          app.append(0, out.labels[j], ts, out.values[j]);
          returned.set(out.labels[j].key(), out.labels[j]);
        } catch (e) {
          appendErr = (e as Error).message;
        }
      }
      for (const [k, l] of this.seriesInPreviousEval[i]) {
        if (returned.has(k)) continue;
        try {
          app.append(0, l, ts, STALE_NAN);
        } catch {
          // Out of order or duplicate: the series was already written at this time; nothing to mark.
        }
      }
      this.seriesInPreviousEval[i] = returned;
      try {
        await app.commit();
      } catch (e) {
        appendErr = (e as Error).message;
      }
      if (appendErr !== '') {
        rule.health = 'err';
        rule.lastError = appendErr;
        this.opts.logger.warn({ group: this.name, name: rule.name, err: appendErr }, 'Rule sample appending failed');
      }
      rule.evaluationTime = (performance.now() - t0) / 1000;
      m.iterationDuration.observe(rule.evaluationTime);
    }
    m.samples.set({ rule_group: this.key }, samplesTotal);
    if (this.staleSeries.length > 0) {
      const app = this.opts.appendable.appender();
      for (const l of this.staleSeries) {
        try {
          app.append(0, l, ts, STALE_NAN);
        } catch {
          // already written at this time
        }
      }
      await app.commit();
      this.staleSeries = [];
    }
  }

  /** Prometheus's `RestoreForState`: pending alerts resume their `for` progress from `ALERTS_FOR_STATE`. */
  async restoreForState(now: number): Promise<void> {
    const replay = this.opts.replayForState === true;
    const q = !replay && this.opts.queryable ? await this.opts.queryable.querier(now - this.opts.outageTolerance, now) : undefined;
    try {
      for (const rule of this.rules) {
        if (!(rule instanceof AlertingRule)) continue;
        const hold = rule.holdDuration;
        if (hold < this.opts.forGracePeriod || (!q && !replay)) {
          rule.restored = true;
          continue;
        }
        const replayed = replay ? await this.replayActiveSince(rule) : undefined;
        for (const a of rule.active.values()) {
          let last: { t: number; v: number } | undefined;
          if (replayed) {
            const since = replayed.get(a.labels.key());
            if (since !== undefined) last = { t: now, v: since / 1000 };
          } else if (q) {
            last = await this.storedForState(q, a, now);
          }
          if (!last || isStaleNaN(last.v)) continue;
          const downAt = Math.floor(last.t / 1000) * 1000;
          let restoredActiveAt = Math.floor(last.v) * 1000;
          const remaining = hold - (downAt - restoredActiveAt);
          if (remaining <= 0) {
            // Was firing when it went down; the next evaluation decides.
          } else if (remaining < this.opts.forGracePeriod) {
            restoredActiveAt = now + this.opts.forGracePeriod - hold;
          } else {
            restoredActiveAt += now - downAt;
          }
          a.activeAt = restoredActiveAt;
        }
        rule.restored = true;
      }
    } finally {
      q?.close();
    }
  }

  /** The newest `ALERTS_FOR_STATE` sample of exactly the alert's labels within the outage tolerance. */
  private async storedForState(q: Querier, a: Alert, now: number): Promise<{ t: number; v: number } | undefined> {
    const ms: Matcher[] = [new Matcher('=', METRIC_NAME, 'ALERTS_FOR_STATE')];
    a.labels.forEach((n, v) => ms.push(new Matcher('=', n, v)));
    const series = await q.select(ms, { start: now - this.opts.outageTolerance, end: now });
    // Exactly the alert's labels plus the name.
    const s = series.find((x) => x.labels.size === a.labels.size + 1);
    if (!s) return undefined;
    const b = s.samples(now - this.opts.outageTolerance, now);
    if (b.length === 0) return undefined;
    return { t: b.t[b.length - 1], v: b.v[b.length - 1] };
  }

  /**
   * For each active alert of `rule` that its expression also yielded at earlier slots of this group's grid, the
   * earliest slot of that unbroken run (ms), looking back at most the rule's `for`. An evaluation error ends the look.
   */
  private async replayActiveSince(rule: AlertingRule): Promise<Map<string, number>> {
    const since = new Map<string, number>();
    let open = new Set(rule.active.keys());
    const steps = Math.ceil(rule.holdDuration / this.interval);
    for (let k = 1; k <= steps && open.size > 0; k++) {
      const t = this.lastEvalTimestamp - k * this.interval;
      let at: Map<string, Alert>;
      try {
        at = await rule.alertsAt(this.opts.engine, t - this.queryOffset, true);
      } catch {
        break;
      }
      const still = new Set<string>();
      for (const key of open) {
        if (!at.has(key)) continue;
        since.set(key, t);
        still.add(key);
      }
      open = still;
    }
    return since;
  }

  /** Carries state over from the group this one replaces on reload (Prometheus's `CopyState`). */
  copyState(from: RuleGroup): void {
    this.evaluationTime = from.evaluationTime;
    this.lastEvaluation = from.lastEvaluation;
    const byId = new Map<string, number[]>();
    from.rules.forEach((r, i) => byId.set(r.identity(), [...(byId.get(r.identity()) ?? []), i]));
    this.rules.forEach((r, i) => {
      const idx = byId.get(r.identity());
      if (!idx || idx.length === 0) return;
      const fi = idx.shift()!;
      this.seriesInPreviousEval[i] = from.seriesInPreviousEval[fi];
      const fr = from.rules[fi];
      if (r instanceof AlertingRule && fr instanceof AlertingRule) {
        for (const [h, a] of fr.active) r.active.set(h, a);
        r.restored = fr.restored;
      }
      r.health = fr.health;
      r.lastError = fr.lastError;
      r.lastEvaluation = fr.lastEvaluation;
      r.evaluationTime = fr.evaluationTime;
    });
    this.staleSeries = [...from.staleSeries];
    for (const idx of byId.values()) for (const fi of idx) for (const l of from.seriesInPreviousEval[fi].values()) this.staleSeries.push(l);
  }

  /** Stops the loop (waits for a running evaluation); with `markStale`, writes staleness markers for every series it wrote. */
  async stop(markStale = false): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
    if (!markStale) return;
    const app = this.opts.appendable.appender();
    const ts = this.now();
    for (const prev of this.seriesInPreviousEval) for (const l of prev.values()) {
      try {
        app.append(0, l, ts, STALE_NAN);
      } catch {
        // nothing to mark
      }
    }
    for (const l of this.staleSeries) {
      try {
        app.append(0, l, ts, STALE_NAN);
      } catch {
        // nothing to mark
      }
    }
    await app.commit();
  }
}

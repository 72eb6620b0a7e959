import { Labels, METRIC_NAME } from '../model/index.js';
import { Alert, type AlertState } from './alert.js';
import type { RuleQueryEngine } from './query-engine.js';
import type { RuleBase, RuleOutput } from './rule.js';
import { ALERT_TEMPLATE_DEFS, alertTemplateData, expandPrometheusTemplate } from './template/expander.js';

/** Alerts resolved less than this long ago are kept (and re-sent), as Prometheus's `resolvedRetention`. */
export const RESOLVED_RETENTION_MS = 15 * 60_000;

export interface AlertingRuleOptions {
  externalLabels: Labels;
  externalURL: string;
  /** Logs a template expansion failure (the alert gets `<error expanding template: ...>`). */
  onTemplateError?: (rule: string, err: string) => void;
}

/**
 * An alerting rule (Prometheus's `AlertingRule`): each element of the expression's vector is an alert, pending
 * until it has been active for `for`, then firing; kept firing for `keep_firing_for` after it clears; resolved
 * alerts kept for 15 minutes. Writes `ALERTS` and `ALERTS_FOR_STATE` once its state has been restored.
 */
export class AlertingRule implements RuleBase {
  readonly type = 'alerting';
  health: 'ok' | 'err' | 'unknown' = 'unknown';
  lastError = '';
  evaluationTime = 0;
  lastEvaluation = 0;
  readonly query: string;
  /** Active alerts by the hash key of their labels. */
  active = new Map<string, Alert>();
  /** Whether ALERTS_FOR_STATE has been consulted (after the first evaluations following a start). */
  restored = false;

  constructor(
    readonly name: string,
    readonly expr: string,
    /** ms. */
    readonly holdDuration: number,
    /** ms. */
    readonly keepFiringFor: number,
    readonly labels: Labels,
    readonly annotations: Labels,
    engine: RuleQueryEngine,
    private readonly opts: AlertingRuleOptions,
  ) {
    this.query = engine.format(expr);
  }

  identity(): string {
    return `${this.name}${this.labels.toString()}`;
  }

  state(): AlertState {
    let s: AlertState = 'inactive';
    for (const a of this.active.values()) {
      if (a.state === 'firing') return 'firing';
      if (a.state === 'pending') s = 'pending';
    }
    return s;
  }

  /** Active (pending or firing) alerts, as `/api/v1/alerts` lists them. */
  activeAlerts(): Alert[] {
    return [...this.active.values()].filter((a) => a.state !== 'inactive');
  }

  /** Expands a label or annotation template for one sample at `ts`; a failure yields Prometheus's error text. */
  private async expand(engine: RuleQueryEngine, text: string, data: unknown, ts: number): Promise<string> {
    if (!text.includes('{{')) return text;
    try {
      return await expandPrometheusTemplate(`__alert_${this.name}`, ALERT_TEMPLATE_DEFS + text, data, {
        time: ts,
        externalURL: this.opts.externalURL,
        query: async (q, t) => (await engine.query(q, t)).map((s) => ({ labels: s.labels, v: s.v })),
      });
    } catch (e) {
      const msg = (e as Error).message;
      this.opts.onTemplateError?.(this.name, msg);
      return `<error expanding template: ${msg}>`;
    }
  }

  /** The alerts the expression yields at `ts` (labels and, unless `labelsOnly`, annotations expanded), by label key. */
  async alertsAt(engine: RuleQueryEngine, ts: number, labelsOnly = false): Promise<Map<string, Alert>> {
    const res = await engine.query(this.expr, ts);
    const fresh = new Map<string, Alert>();
    for (const smpl of res) {
      const data = alertTemplateData(smpl.labels, this.opts.externalLabels, this.opts.externalURL, smpl.v);
      const lb = smpl.labels.builder();
      lb.del(METRIC_NAME);
      for (let i = 0; i < this.labels.size; i++) lb.set(this.labels.name(i), await this.expand(engine, this.labels.value(i), data, ts));
      lb.set('alertname', this.name);
      const ann: [string, string][] = [];
      if (!labelsOnly) for (let i = 0; i < this.annotations.size; i++) ann.push([this.annotations.name(i), await this.expand(engine, this.annotations.value(i), data, ts)]);
      const lbs = lb.labels();
      const h = lbs.key();
      if (fresh.has(h)) throw new Error('vector contains metrics with the same labelset after applying alert labels');
      fresh.set(h, new Alert(lbs, Labels.fromPairs(ann), smpl.v, ts));
    }
    return fresh;
  }

  async eval(engine: RuleQueryEngine, ts: number, limit: number): Promise<RuleOutput> {
    const fresh = await this.alertsAt(engine, ts);
    for (const [h, a] of fresh) {
      const cur = this.active.get(h);
      if (cur && cur.state !== 'inactive') {
        cur.value = a.value;
        cur.annotations = a.annotations;
        continue;
      }
      this.active.set(h, a);
    }
    const outLabels: Labels[] = [];
    const outValues: number[] = [];
    let numActivePending = 0;
    for (const [h, a] of this.active) {
      if (!fresh.has(h)) {
        let keepFiring = false;
        if (a.state === 'firing' && this.keepFiringFor > 0) {
          if (a.keepFiringSince === 0) a.keepFiringSince = ts;
          if (ts - a.keepFiringSince < this.keepFiringFor) keepFiring = true;
        }
        if (!keepFiring) {
          if (a.state === 'pending' || (a.resolvedAt !== 0 && ts - a.resolvedAt > RESOLVED_RETENTION_MS)) this.active.delete(h);
          if (a.state !== 'inactive') {
            a.state = 'inactive';
            a.resolvedAt = ts;
          }
          continue;
        }
      } else {
        a.keepFiringSince = 0;
      }
      numActivePending++;
      if (a.state === 'pending' && ts - a.activeAt >= this.holdDuration) {
        a.state = 'firing';
        a.firedAt = ts;
      }
      if (this.restored) {
        outLabels.push(a.labels.builder().set(METRIC_NAME, 'ALERTS').set('alertstate', a.state).labels());
        outValues.push(1);
        outLabels.push(a.labels.builder().set(METRIC_NAME, 'ALERTS_FOR_STATE').labels());
        outValues.push(Math.floor(a.activeAt / 1000));
      }
    }
    if (limit > 0 && numActivePending > limit) {
      this.active.clear();
      throw new Error(`exceeded limit of ${limit} with ${numActivePending} alerts`);
    }
    return { labels: outLabels, values: Float64Array.from(outValues) };
  }

  /** Alerts to send now (Prometheus's `sendAlerts`): marks them sent and sets how long they stay valid. */
  alertsToSend(ts: number, resendDelay: number, interval: number): Alert[] {
    const out: Alert[] = [];
    for (const a of this.active.values()) {
      if (!a.needsSending(ts, resendDelay)) continue;
      a.lastSentAt = ts;
      a.validUntil = ts + 4 * Math.max(resendDelay, interval);
      const copy = new Alert(a.labels, a.annotations, a.value, a.activeAt);
      Object.assign(copy, a);
      out.push(copy);
    }
    return out;
  }
}

import type { Logger } from 'pino';
import { Registry } from 'prom-client';
import { parseDuration } from '../../lib/duration.js';
import { Labels } from '../../model/index.js';
import { Alert, AlertingRule, RuleManager, postableAlertsJson, toNotifierAlerts, type RuleGroup, type RuleQueryEngine } from '../../rules/index.js';
import type { Appendable, Appender } from '../../metrics/storage-api/index.js';
import type { DatasourceRow, DatasourceStore } from '../datasources/datasource-store.js';
import { upstreamHeaders, upstreamUrl } from '../datasources/upstream.js';
import { planRule, type AlertRule } from './rule-model.js';
import type { AlertInstanceStore } from './instance-store.js';
import type { AlertRuleStore } from './rule-store.js';

type Samples = Awaited<ReturnType<RuleQueryEngine['query']>>;

/** Separates the parts of a rule's expression text inside the engine (see `encodeRule`). */
const SEP = '\u0000';

interface EncodedRule {
  datasourceUid?: string;
  noDataState: string;
  execErrState: string;
  query: string;
  expr: string;
}

/** What the engine needs of a rule, as the one expression string the rules engine carries. */
function encodeRule(r: AlertRule): string {
  const plan = planRule(r);
  return [plan.datasourceUid, r.noDataState, r.execErrState, plan.query, plan.expr].join(SEP);
}

/** A rule's expression text; a plain expression (a template's `query`) runs on the default Prometheus. */
function decodeRule(text: string): EncodedRule {
  const p = text.split(SEP);
  if (p.length !== 5) return { noDataState: 'OK', execErrState: 'Error', query: text, expr: text };
  return { datasourceUid: p[0], noDataState: p[1], execErrState: p[2], query: p[3], expr: p[4] };
}

/** Grafana's label carrying the rule uid on every alert instance. */
export const RULE_UID_LABEL = '__alert_rule_uid__';

/** Grafana-managed rules write no series: evaluation results only make alerts. */
const DISCARD: Appendable = {
  appender: (): Appender => ({ append: () => 0, appendExemplar: () => 0, updateMetadata: () => 0, commit: async () => undefined, rollback: () => undefined }),
};

interface PromResponse {
  status?: string;
  error?: string;
  data?: { resultType: string; result: unknown };
}

/** An instant query against a Prometheus-compatible or Loki datasource's HTTP API, as the rules engine's vector. */
export async function queryDatasource(ds: DatasourceRow, secrets: Record<string, string>, expr: string, ts: number, timeoutMs: number, signal?: AbortSignal): Promise<Samples> {
  const path = ds.type === 'loki' ? 'loki/api/v1/query' : 'api/v1/query';
  if (ds.type !== 'loki' && ds.type !== 'prometheus') throw new Error(`datasource ${ds.name} (${ds.type}) cannot evaluate alert rules`);
  const url = upstreamUrl(ds.url, path, '?' + new URLSearchParams({ query: expr, time: String(ts / 1000) }).toString());
  const res = await fetch(url, { headers: upstreamHeaders(ds, secrets), signal: signal ? AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]) : AbortSignal.timeout(timeoutMs) });
  const text = await res.text();
  let body: PromResponse;
  try {
    body = JSON.parse(text) as PromResponse;
  } catch {
    throw new Error(`${ds.name}: ${res.status} ${text.slice(0, 200)}`);
  }
  if (!res.ok || body.status !== 'success' || !body.data) throw new Error(`${ds.name}: ${body.error ?? `HTTP ${res.status}`}`);
  const d = body.data;
  if (d.resultType === 'scalar') {
    const [t, v] = d.result as [number, string];
    return [{ labels: Labels.EMPTY, t: t * 1000, v: Number(v) }];
  }
  if (d.resultType !== 'vector') throw new Error(`rule result is a ${d.resultType}, not a vector or scalar`);
  return (d.result as { metric: Record<string, string>; value: [number, string] }[]).map((s) => ({ labels: Labels.fromObject(s.metric), t: s.value[0] * 1000, v: Number(s.value[1]) }));
}

export interface SchedulerOptions {
  rules: AlertRuleStore;
  /** Where alert instances are saved after each evaluation and read back at start (Grafana's `alert_instance`). */
  instances: AlertInstanceStore;
  datasources: DatasourceStore;
  /** Base URL of the Alertmanager that receives the alerts (undefined: none; alerts are only shown). */
  alertmanagerUrl: () => Promise<string | undefined>;
  /** The UI's root URL, for each alert's `generatorURL`. */
  rootUrl: () => string;
  logger: Logger;
  queryTimeoutMs: number;
  /** ms between re-sends of a still-firing alert (Grafana's resend delay, 1m). */
  resendDelayMs?: number;
}

/** Rule state as the alert list shows it (Prometheus's `/api/v1/rules` JSON with Grafana's extras). */
export interface GrafanaRuleStatus {
  uid: string;
  name: string;
  folderUid: string;
  group: string;
  query: string;
  /** The datasource and query A under the condition (for Explore links). */
  datasourceUid: string;
  dataQuery: string;
  state: 'inactive' | 'pending' | 'firing';
  health: string;
  lastError: string;
  lastEvaluation: string;
  evaluationTime: number;
  duration: number;
  isPaused: boolean;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  alerts: { labels: Record<string, string>; annotations: Record<string, string>; state: string; activeAt: string; value: string }[];
}

/**
 * Evaluates the Grafana-managed rules with the rules engine (src/rules): one `RuleGroup` per folder and group,
 * each rule's condition planned into its datasource's language and queried over HTTP; alerts posted to the
 * Alertmanager as Grafana posts to its internal one. Re-reads the store after each change.
 */
export class GrafanaRuleScheduler {
  private readonly manager: RuleManager;
  private byUid = new Map<string, AlertingRule>();
  /** The last query error of a rule whose `execErrState` turned it into a state, by its expression text. */
  private handledErrors = new Map<string, string>();
  /** Each rule's title and labels by its expression text (for Grafana's DatasourceNoData / DatasourceError alerts). */
  private ruleByText = new Map<string, { title: string; labels: Record<string, string> }>();
  /** The DatasourceNoData / DatasourceError alert a rule currently has, by its expression text, with its start. */
  private datasourceAlerts = new Map<string, { alertname: string; startsAt: string; error?: string }>();
  private syncing: Promise<void> = Promise.resolve();
  private stopped = false;
  /** Each rule's last non-empty result, by its expression text, and each rule's interval (ms). */
  private lastSeries = new Map<string, { ts: number; samples: Samples }>();
  private intervalByText = new Map<string, number>();
  /** The stored instances, until the first sync has put them back into their rules. */
  private toRestore: Map<string, Alert[]> | undefined;
  /** Instance writes, one after another. */
  private saving: Promise<void> = Promise.resolve();

  constructor(private readonly opts: SchedulerOptions) {
    const engine: RuleQueryEngine = {
      query: async (text, ts, signal) => {
        const k = decodeRule(text);
        const ds = k.datasourceUid ? await opts.datasources.byUid(k.datasourceUid) : (await opts.datasources.list()).find((d) => d.type === 'prometheus');
        const run = (q: string) => {
          if (!ds) throw new Error(`datasource ${k.datasourceUid ?? '(default prometheus)'} not found`);
          return queryDatasource(ds, opts.datasources.secrets(ds), q, ts, opts.queryTimeoutMs, signal);
        };
        // Grafana's no-data and error handling: `Alerting` makes one alert of the rule's labels, `OK` none.
        const alerting: Samples = [{ labels: Labels.EMPTY, t: ts, v: NaN }];
        try {
          const out = await run(k.expr);
          this.handledErrors.delete(text);
          const noData = out.length === 0 && k.noDataState !== 'OK' && (k.query === k.expr ? out : await run(k.query)).length === 0;
          this.datasourceAlert(text, noData && k.noDataState === 'NoData' ? 'DatasourceNoData' : undefined);
          if (noData && k.noDataState === 'NoData') return this.heldSeries(text, ts);
          if (out.length > 0) this.lastSeries.set(text, { ts, samples: out });
          return noData && k.noDataState === 'Alerting' ? alerting : out;
        } catch (err) {
          this.datasourceAlert(text, k.execErrState === 'Error' ? 'DatasourceError' : undefined, (err as Error).message);
          if (k.execErrState !== 'Error') this.handledErrors.set(text, (err as Error).message);
          if (k.execErrState === 'OK') return [];
          if (k.execErrState === 'Alerting') return alerting;
          throw err;
        }
      },
      format: (text) => decodeRule(text).expr,
    };
    this.manager = new RuleManager({
      engine,
      appendable: DISCARD,
      registry: new Registry(),
      validateExpr: () => null,
      externalLabels: Labels.EMPTY,
      externalURL: '',
      evaluationInterval: 60_000,
      resendDelay: opts.resendDelayMs ?? 60_000,
      outageTolerance: 3600_000,
      // After a restart each rule's alert instances come back from the UI database (as Grafana's `alert_instance`),
      // before the first evaluation: no replay over the datasource, no grace period, nothing re-sent early.
      replayForState: false,
      forGracePeriod: 0,
      onEvaluated: (g) => this.saveInstances(g),
      logger: opts.logger.child({ component: 'ui', subsystem: 'alerting' }),
      notify: (_expr, alerts) => void this.send(alerts),
    });
    opts.rules.onChange(() => void this.sync());
  }

  /**
   * Grafana's `noDataState: NoData` / `execErrState: Error`: the rule sends an alert named DatasourceNoData /
   * DatasourceError with its labels and `rulename`, while the condition holds; resolved when it stops.
   */
  private datasourceAlert(text: string, alertname: string | undefined, error?: string): void {
    const rule = this.ruleByText.get(text);
    const cur = this.datasourceAlerts.get(text);
    if (!rule || (!alertname && !cur)) return;
    const now = new Date().toISOString();
    const active = alertname && cur?.alertname === alertname ? cur : alertname ? { alertname, startsAt: now, error } : undefined;
    const post = (a: { alertname: string; startsAt: string; error?: string }, endsAt?: string) => ({
      labels: { ...rule.labels, alertname: a.alertname, rulename: rule.title },
      annotations: a.error ? { Error: a.error } : {},
      startsAt: a.startsAt,
      ...(endsAt ? { endsAt } : {}),
      generatorURL: `${this.opts.rootUrl()}/alerting/grafana/${rule.labels[RULE_UID_LABEL]}/view`,
    });
    const body = [];
    if (cur && cur !== active) body.push(post(cur, now));
    if (active) body.push(post(active));
    if (active) this.datasourceAlerts.set(text, active);
    else this.datasourceAlerts.delete(text);
    void this.post(JSON.stringify(body));
  }

  /**
   * Grafana's stale instances: when a rule's query has no data at all, its instances are not dropped at once but
   * kept as they were until they have been missing for two evaluation intervals (the last result stands in). This
   * also bridges the first evaluations after a restart, before the datasource has fresh samples.
   */
  private heldSeries(text: string, ts: number): Samples {
    const held = this.lastSeries.get(text);
    if (!held || ts - held.ts > 2 * (this.intervalByText.get(text) ?? 60_000)) return [];
    return held.samples.map((x) => ({ ...x, t: ts }));
  }

  /** Save the alert instances of the group's rules (each rule's rows replaced) after its evaluation. */
  private saveInstances(g: RuleGroup): void {
    const evaluatedAt = g.lastEvaluation;
    const snapshot = g.rules.flatMap((r) => (r instanceof AlertingRule ? [{ uid: r.labels.get(RULE_UID_LABEL) ?? '', alerts: [...r.active.values()].map((a) => Object.assign(new Alert(a.labels, a.annotations, a.value, a.activeAt), a)) }] : []));
    const run = async () => {
      for (const { uid, alerts } of snapshot) await this.opts.instances.save(uid, alerts, evaluatedAt);
    };
    this.saving = this.saving.then(run).catch((err: unknown) => this.opts.logger.error({ component: 'ui', err }, 'saving alert instances failed'));
  }

  private async send(alerts: Parameters<typeof toNotifierAlerts>[2]): Promise<void> {
    const root = this.opts.rootUrl();
    const out = toNotifierAlerts(root, '', alerts).map((a) => ({ ...a, generatorURL: `${root}/alerting/grafana/${a.labels.get(RULE_UID_LABEL)}/view` }));
    await this.post(postableAlertsJson(out));
  }

  private async post(body: string): Promise<void> {
    const url = await this.opts.alertmanagerUrl();
    if (!url) return;
    try {
      const res = await fetch(`${url.replace(/\/$/, '')}/api/v2/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(10_000) });
      if (!res.ok) throw new Error(`HTTP ${res.status}: ${(await res.text()).slice(0, 200)}`);
    } catch (err) {
      this.opts.logger.warn({ component: 'ui', err: (err as Error).message, alertmanager: url }, 'sending Grafana-managed alerts failed');
    }
  }

  /** Rebuilds the running groups from the store (unchanged groups keep running and keep their alert state). */
  sync(): Promise<void> {
    const run = async () => {
      if (this.stopped) return;
      const rules = (await this.opts.rules.list()).filter((r) => !r.isPaused);
      const groups = new Map<string, AlertRule[]>();
      for (const r of rules) {
        const k = `${r.folderUID}\u0000${r.ruleGroup}`;
        groups.set(k, [...(groups.get(k) ?? []), r]);
      }
      const built: RuleGroup[] = [];
      const previous = this.ruleByText;
      this.ruleByText = new Map();
      for (const list of groups.values()) {
        const specs = list.flatMap((r) => {
          try {
            const expr = encodeRule(r);
            this.ruleByText.set(expr, { title: r.title, labels: { ...r.labels, [RULE_UID_LABEL]: r.uid, grafana_folder: r.folderUID } });
            this.intervalByText.set(expr, r.intervalSeconds * 1000);
            return [{ r, spec: { alert: r.title, expr, for: parseDuration(r.for), keepFiringFor: 0, labels: { ...r.labels, [RULE_UID_LABEL]: r.uid, grafana_folder: r.folderUID }, annotations: r.annotations } }];
          } catch (err) {
            this.opts.logger.warn({ component: 'ui', rule: r.uid, err: (err as Error).message }, 'alert rule cannot be evaluated');
            return [];
          }
        });
        const g = this.manager.buildGroup(list[0].folderUID, { name: list[0].ruleGroup, interval: list[0].intervalSeconds * 1000, limit: 0, rules: specs.map((s) => s.spec) });
        built.push(g);
      }
      // At start: each rule's instances as they were saved, before its first evaluation.
      this.toRestore ??= await this.opts.instances.load();
      for (const g of built) {
        for (const rule of g.rules) {
          if (!(rule instanceof AlertingRule)) continue;
          for (const a of this.toRestore.get(rule.labels.get(RULE_UID_LABEL) ?? '') ?? []) rule.active.set(a.labels.key(), a);
          const restored = [...rule.active.values()].filter((a) => a.state !== 'inactive');
          // Until the datasource answers with data again, the restored instances are what the rule last saw.
          if (restored.length > 0) this.lastSeries.set(rule.expr, { ts: Date.now(), samples: restored.map((a) => ({ labels: a.labels, t: 0, v: a.value })) });
        }
      }
      this.toRestore = new Map();
      for (const m of [this.lastSeries, this.intervalByText]) for (const text of [...m.keys()]) if (!this.ruleByText.has(text)) m.delete(text);
      await this.opts.instances.retainOnly(rules.map((r) => r.uid));
      await this.manager.updateGroups(built);
      // A removed (or changed) rule's DatasourceNoData / DatasourceError alert resolves.
      for (const text of [...this.datasourceAlerts.keys()]) {
        if (this.ruleByText.has(text)) continue;
        this.ruleByText.set(text, previous.get(text)!);
        this.datasourceAlert(text, undefined);
        this.ruleByText.delete(text);
      }
      // Running groups that were kept hold the previous rule objects.
      this.byUid = new Map();
      for (const g of this.manager.ruleGroups()) for (const rule of g.rules) if (rule instanceof AlertingRule) this.byUid.set(rule.labels.get(RULE_UID_LABEL) ?? '', rule);
    };
    this.syncing = this.syncing.then(run, run).catch((err: unknown) => this.opts.logger.error({ component: 'ui', err }, 'alert rule scheduler update failed'));
    return this.syncing;
  }

  /** Every stored rule with its evaluation state (paused or unplannable rules are `inactive` without evaluations). */
  async status(): Promise<GrafanaRuleStatus[]> {
    const rules = await this.opts.rules.list();
    return rules.map((r) => {
      const run = this.byUid.get(r.uid);
      let plan: { datasourceUid: string; query: string } = { datasourceUid: '', query: '' };
      try {
        plan = planRule(r);
      } catch {
        // shown as never evaluated
      }
      const iso = (ms: number) => (ms > 0 ? new Date(ms).toISOString() : '0001-01-01T00:00:00Z');
      return {
        uid: r.uid,
        name: r.title,
        folderUid: r.folderUID,
        group: r.ruleGroup,
        query: run?.query ?? '',
        datasourceUid: plan.datasourceUid,
        dataQuery: plan.query,
        state: run ? run.state() : 'inactive',
        health: r.isPaused ? 'paused' : (run?.health ?? 'unknown'),
        lastError: run ? run.lastError || (this.handledErrors.get(run.expr) ?? '') : '',
        lastEvaluation: iso(run?.lastEvaluation ?? 0),
        evaluationTime: run?.evaluationTime ?? 0,
        duration: parseDuration(r.for) / 1000,
        isPaused: r.isPaused,
        labels: r.labels,
        annotations: r.annotations,
        alerts: (run?.activeAlerts() ?? []).map((a) => ({ labels: a.labels.toObject(), annotations: a.annotations.toObject(), state: a.state === 'firing' ? 'Alerting' : 'Pending', activeAt: iso(a.activeAt), value: String(a.value) })),
      };
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.syncing;
    await this.manager.stop();
    await this.saving;
  }
}

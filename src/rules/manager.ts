import { existsSync } from 'node:fs';
import type { AlertStatus, RuleGroupStatus, RuleStatus } from '../metrics/api/index.js';
import { expandGlob } from '../metrics/promconfig/index.js';
import { Labels } from '../model/index.js';
import type { Registry } from '../server/index.js';
import type { Alert } from './alert.js';
import { AlertingRule } from './alerting-rule.js';
import { RuleGroup, type GroupOptions } from './group.js';
import { RecordingRule } from './recording-rule.js';
import type { RuleBase } from './rule.js';
import { parseRuleFile, type ExprValidator, type RuleGroupSpec } from './rule-file.js';
import { ruleMetrics } from './self-metrics.js';

/** Rule files that failed to load: every error, each `FILE: position: message` as Prometheus reports it. */
export class RuleLoadError extends Error {
  constructor(readonly errors: string[]) {
    super(errors.join('; '));
    this.name = 'RuleLoadError';
  }
}

export interface RuleManagerOptions extends Omit<GroupOptions, 'metrics'> {
  registry: Registry;
  validateExpr: ExprValidator;
  externalLabels: Labels;
  externalURL: string;
  /** ms: the default group interval (`global.evaluation_interval`). */
  evaluationInterval: number;
  /** ms: the default query offset (`global.rule_query_offset`). */
  queryOffset?: number;
}

/**
 * The rule manager (Prometheus's `rules.Manager`): loads rule files (globs), starts one loop per group, and on
 * update keeps unchanged groups running, carries alert and staleness state into changed ones, marks the series of
 * removed groups stale. A file with errors refuses the whole update; the running groups stay.
 */
export class RuleManager {
  private groups = new Map<string, RuleGroup>();
  private restoredOnce = false;
  private readonly opts: GroupOptions & RuleManagerOptions;

  constructor(opts: RuleManagerOptions) {
    this.opts = { ...opts, metrics: ruleMetrics(opts.registry) };
  }

  /** Expands globs; a plain path that does not exist is skipped (as Prometheus) and returned in `missing`. */
  static expandFiles(patterns: string[]): { files: string[]; missing: string[] } {
    const files: string[] = [];
    const missing: string[] = [];
    for (const p of patterns) {
      for (const f of expandGlob(p)) {
        if (existsSync(f)) files.push(f);
        else missing.push(f);
      }
    }
    return { files, missing };
  }

  /** Parses the files into groups (not started). Throws `RuleLoadError` with every error found. */
  loadGroups(files: string[]): RuleGroup[] {
    const errors: string[] = [];
    const out: RuleGroup[] = [];
    for (const file of files) {
      const res = parseRuleFile(file, { validateExpr: this.opts.validateExpr });
      if (res.errors.length > 0) {
        errors.push(...res.errors);
        continue;
      }
      for (const g of res.groups) out.push(this.buildGroup(file, g));
    }
    if (errors.length > 0) throw new RuleLoadError(errors);
    return out;
  }

  buildGroup(file: string, g: RuleGroupSpec): RuleGroup {
    const rules: RuleBase[] = g.rules.map((r) =>
      r.record !== undefined
        ? new RecordingRule(r.record, r.expr, Labels.fromObject(r.labels), this.opts.engine)
        : new AlertingRule(r.alert ?? '', r.expr, r.for, r.keepFiringFor, Labels.fromObject(r.labels), Labels.fromObject(r.annotations), this.opts.engine, {
            externalLabels: this.opts.externalLabels,
            externalURL: this.opts.externalURL,
            onTemplateError: (rule, err) => this.opts.logger.warn({ alert: rule, err }, 'Expanding alert template failed'),
          }),
    );
    const interval = g.interval > 0 ? g.interval : this.opts.evaluationInterval;
    const offset = g.queryOffset ?? this.opts.queryOffset ?? 0;
    return new RuleGroup(g.name, file, interval, g.limit, offset, rules, JSON.stringify([interval, g.limit, offset, g.rules]), this.opts);
  }

  /** Replaces the running groups with those of `files` (already expanded). On error nothing changes. */
  async update(files: string[]): Promise<void> {
    await this.updateGroups(this.loadGroups(files));
  }

  /** Replaces the running groups with `next` (built by `buildGroup`; a group's key is its file and name). */
  async updateGroups(next: RuleGroup[]): Promise<void> {
    const old = this.groups;
    const fresh = new Map<string, RuleGroup>();
    const starts: RuleGroup[] = [];
    const stops: Promise<void>[] = [];
    for (const g of next) {
      if (fresh.has(g.key)) continue;
      const prev = old.get(g.key);
      if (prev && prev.fingerprint === g.fingerprint) {
        fresh.set(g.key, prev);
        old.delete(g.key);
        continue;
      }
      g.shouldRestore = !this.restoredOnce && (this.opts.queryable !== undefined || this.opts.replayForState === true);
      if (!g.shouldRestore) for (const r of g.rules) if (r instanceof AlertingRule) r.restored = true;
      if (prev) {
        old.delete(g.key);
        stops.push(prev.stop(false));
        g.copyState(prev);
      }
      fresh.set(g.key, g);
      starts.push(g);
    }
    for (const g of old.values()) stops.push(g.stop(true));
    await Promise.all(stops);
    this.groups = fresh;
    this.restoredOnce = true;
    for (const g of starts) g.start();
  }

  /** Running groups in file order, then name. */
  ruleGroups(): RuleGroup[] {
    return [...this.groups.values()].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** `/api/v1/rules` content. */
  status(): RuleGroupStatus[] {
    return this.ruleGroups().map((g) => ({
      name: g.name,
      file: g.file,
      interval: g.interval / 1000,
      limit: g.limit,
      evaluationTime: g.evaluationTime,
      lastEvaluation: g.lastEvaluation,
      rules: g.rules.map((r): RuleStatus => {
        const base = { name: r.name, query: r.query, labels: r.labels, health: r.health, lastError: r.lastError, evaluationTime: r.evaluationTime, lastEvaluation: r.lastEvaluation };
        if (r instanceof AlertingRule) {
          return {
            ...base,
            type: 'alerting',
            state: r.state(),
            duration: r.holdDuration / 1000,
            keepFiringFor: r.keepFiringFor / 1000,
            annotations: r.annotations,
            alerts: r.activeAlerts().map(alertStatus),
          };
        }
        return { ...base, type: 'recording' };
      }),
    }));
  }

  /** `/api/v1/alerts` content: every active alert. */
  alerts(): AlertStatus[] {
    const out: AlertStatus[] = [];
    for (const g of this.ruleGroups()) for (const r of g.rules) if (r instanceof AlertingRule) out.push(...r.activeAlerts().map(alertStatus));
    return out;
  }

  async stop(): Promise<void> {
    await Promise.all([...this.groups.values()].map((g) => g.stop(false)));
    this.groups.clear();
  }
}

function alertStatus(a: Alert): AlertStatus {
  const s: AlertStatus = { labels: a.labels, annotations: a.annotations, state: a.state === 'firing' ? 'firing' : 'pending', activeAt: a.activeAt, value: a.value };
  if (a.keepFiringSince) s.keepFiringSince = a.keepFiringSince;
  return s;
}

import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { checkProvenance } from './provenance.js';
import { planRule, type AlertRule, type AlertRuleInput } from './rule-model.js';

/** Grafana's default group interval (its base interval is 10s; Sightline allows any whole second). */
export const DEFAULT_INTERVAL_SECONDS = 60;

export class RuleConflictError extends Error {
  override name = 'RuleConflictError';
}

/**
 * Grafana-managed alert rules in the UI database. A rule's group interval is the group's: saving a rule with an
 * interval sets it on every rule of its group. Every write is validated (`planRule`) before it is stored.
 */
export class AlertRuleStore {
  private listeners: (() => void)[] = [];

  constructor(private readonly db: Kysely<Database>) {}

  /** Called after every change (the scheduler re-reads the rules). */
  onChange(f: () => void): void {
    this.listeners.push(f);
  }

  private changed(): void {
    for (const f of this.listeners) f();
  }

  async list(): Promise<AlertRule[]> {
    const rows = await this.db.selectFrom('alert_rules').selectAll().orderBy('folder_uid').orderBy('rule_group').orderBy('title').execute();
    return rows.map((r) => JSON.parse(r.data) as AlertRule);
  }

  async get(uid: string): Promise<AlertRule | undefined> {
    const r = await this.db.selectFrom('alert_rules').select('data').where('uid', '=', uid).executeTakeFirst();
    return r ? (JSON.parse(r.data) as AlertRule) : undefined;
  }

  private async groupInterval(folderUid: string, group: string): Promise<number | undefined> {
    const r = await this.db.selectFrom('alert_rules').select('interval_seconds').where('folder_uid', '=', folderUid).where('rule_group', '=', group).executeTakeFirst();
    return r?.interval_seconds;
  }

  /** Create (no uid or an unknown one) or replace the rule `uid`. */
  async save(input: AlertRuleInput, provenance: string, uid?: string): Promise<AlertRule> {
    planRule(input);
    const id = uid ?? input.uid ?? randomBytes(9).toString('base64url');
    checkProvenance((await this.get(id))?.provenance, provenance);
    const interval = input.intervalSeconds ?? (await this.groupInterval(input.folderUID, input.ruleGroup)) ?? DEFAULT_INTERVAL_SECONDS;
    const now = Date.now();
    const rule: AlertRule = { ...input, uid: id, orgID: 1, intervalSeconds: interval, updated: new Date(now).toISOString(), provenance };
    const row = { uid: id, title: rule.title, folder_uid: rule.folderUID, rule_group: rule.ruleGroup, interval_seconds: interval, data: JSON.stringify(rule), provenance, updated_at: now };
    const clash = await this.db.selectFrom('alert_rules').select('uid').where('folder_uid', '=', rule.folderUID).where('title', '=', rule.title).where('uid', '!=', id).executeTakeFirst();
    if (clash) throw new RuleConflictError(`a rule titled "${rule.title}" already exists in folder ${rule.folderUID}`);
    await this.db.transaction().execute(async (tx) => {
      const cur = await tx.selectFrom('alert_rules').select('uid').where('uid', '=', id).executeTakeFirst();
      if (cur) await tx.updateTable('alert_rules').set(row).where('uid', '=', id).execute();
      else await tx.insertInto('alert_rules').values(row).execute();
      await this.setIntervalIn(tx, rule.folderUID, rule.ruleGroup, interval);
    });
    this.changed();
    return rule;
  }

  private async setIntervalIn(tx: Kysely<Database>, folderUid: string, group: string, interval: number): Promise<void> {
    const rows = await tx.selectFrom('alert_rules').select(['uid', 'data']).where('folder_uid', '=', folderUid).where('rule_group', '=', group).where('interval_seconds', '!=', interval).execute();
    for (const r of rows) {
      const data = { ...(JSON.parse(r.data) as AlertRule), intervalSeconds: interval };
      await tx.updateTable('alert_rules').set({ interval_seconds: interval, data: JSON.stringify(data) }).where('uid', '=', r.uid).execute();
    }
  }

  /** Replace a whole group (Grafana's rule-group PUT): its rules become exactly `rules`. */
  async replaceGroup(folderUid: string, group: string, intervalSeconds: number, rules: AlertRuleInput[], provenance: string): Promise<AlertRule[]> {
    for (const r of rules) planRule(r);
    const keep = new Set(rules.map((r) => r.uid).filter((u): u is string => !!u));
    const old = await this.db.selectFrom('alert_rules').select('uid').where('folder_uid', '=', folderUid).where('rule_group', '=', group).execute();
    for (const o of old) if (!keep.has(o.uid)) await this.delete(o.uid, provenance);
    const out: AlertRule[] = [];
    for (const r of rules) out.push(await this.save({ ...r, folderUID: folderUid, ruleGroup: group, intervalSeconds }, provenance));
    this.changed();
    return out;
  }

  async delete(uid: string, provenance: string): Promise<boolean> {
    checkProvenance((await this.get(uid))?.provenance, provenance);
    const r = await this.db.deleteFrom('alert_rules').where('uid', '=', uid).executeTakeFirst();
    const n = Number(r.numDeletedRows);
    if (n > 0) this.changed();
    return n > 0;
  }
}

import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import { Labels } from '../../model/index.js';
import { Alert, type AlertState } from '../../rules/index.js';
import type { AlertInstanceTable, Database } from '../db/schema.js';

/**
 * The alert instances of Grafana-managed rules in the UI database (Grafana's `alert_instance`): each rule's
 * instances replaced after its evaluation, all read back at start. What a restart must not lose: the state, when
 * the instance became active and fired, when it resolved and when it was last sent.
 */
export class AlertInstanceStore {
  constructor(private readonly db: Kysely<Database>) {}

  /** Replace the stored instances of rule `ruleUid` by `alerts` (as evaluated at `lastEval`). */
  async save(ruleUid: string, alerts: Iterable<Alert>, lastEval: number): Promise<void> {
    const rows: AlertInstanceTable[] = [];
    for (const a of alerts) {
      rows.push({
        rule_uid: ruleUid,
        labels_hash: createHash('sha256').update(a.labels.key()).digest('hex'),
        labels: JSON.stringify(a.labels.toObject()),
        annotations: JSON.stringify(a.annotations.toObject()),
        state: a.state,
        value: String(a.value),
        active_at: a.activeAt,
        fired_at: a.firedAt,
        resolved_at: a.resolvedAt,
        last_sent_at: a.lastSentAt,
        valid_until: a.validUntil,
        keep_firing_since: a.keepFiringSince,
        last_eval: lastEval,
      });
    }
    await this.db.transaction().execute(async (tx) => {
      await tx.deleteFrom('alert_instance').where('rule_uid', '=', ruleUid).execute();
      if (rows.length > 0) await tx.insertInto('alert_instance').values(rows).execute();
    });
  }

  /** Every stored instance, as the rules engine's alerts, by rule uid. */
  async load(): Promise<Map<string, Alert[]>> {
    const out = new Map<string, Alert[]>();
    for (const r of await this.db.selectFrom('alert_instance').selectAll().execute()) {
      const a = new Alert(Labels.fromObject(JSON.parse(r.labels) as Record<string, string>), Labels.fromObject(JSON.parse(r.annotations) as Record<string, string>), Number(r.value), r.active_at);
      a.state = r.state as AlertState;
      a.firedAt = r.fired_at;
      a.resolvedAt = r.resolved_at;
      a.lastSentAt = r.last_sent_at;
      a.validUntil = r.valid_until;
      a.keepFiringSince = r.keep_firing_since;
      out.set(r.rule_uid, [...(out.get(r.rule_uid) ?? []), a]);
    }
    return out;
  }

  /** Forget the instances of rules that no longer exist (or are paused). */
  async retainOnly(ruleUids: readonly string[]): Promise<void> {
    let q = this.db.deleteFrom('alert_instance');
    if (ruleUids.length > 0) q = q.where('rule_uid', 'not in', ruleUids);
    await q.execute();
  }
}

import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { parse, stringify } from 'yaml';
import { parseAlertmanagerConfig, type AlertmanagerConfig } from '../../alertmanager/index.js';
import type { Database } from '../db/schema.js';
import type { SecretBox } from '../auth/secret-box.js';
import { fromReceiverConfigs, keepSecrets, secretSettings, toReceiverConfig, validateContactPoint, type ContactPoint } from './contact-points.js';
import { checkProvenance } from './provenance.js';

/** An alertmanager.yml as a JS object; receivers may hold Grafana integrations in `grafana_managed_receiver_configs`. */
export type AlertingDocument = Record<string, unknown> & {
  route?: RouteNode;
  receivers?: ReceiverNode[];
  time_intervals?: MuteTiming[];
  mute_time_intervals?: MuteTiming[];
  /** Provenance of the notification policy tree (not part of the Alertmanager configuration). */
  policies_provenance?: string;
};
export type ReceiverNode = Record<string, unknown> & { name: string; grafana_managed_receiver_configs?: ContactPoint[] };
export type RouteNode = Record<string, unknown> & { receiver?: string; routes?: RouteNode[]; matchers?: string[]; mute_time_intervals?: string[]; active_time_intervals?: string[] };
export interface MuteTiming {
  name: string;
  time_intervals: Record<string, unknown>[];
  provenance?: string;
}

/** A change the configuration refuses (unknown object, still in use, invalid result): `status` is its HTTP status. */
export class AlertingConfigError extends Error {
  override name = 'AlertingConfigError';
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** The Alertmanager YAML of a document: Grafana integrations turned into their `*_configs`, provenance dropped. */
export function toAlertmanagerYaml(doc: AlertingDocument): string {
  const out: Record<string, unknown> = structuredClone(doc);
  delete out.policies_provenance;
  out.receivers = (doc.receivers ?? []).map((r) => {
    const { grafana_managed_receiver_configs: gm, ...rest } = r;
    const native: Record<string, unknown> = structuredClone(rest);
    for (const cp of gm ?? []) {
      const { key, config } = toReceiverConfig(cp);
      native[key] = [...((native[key] as unknown[] | undefined) ?? []), config];
    }
    return native;
  });
  for (const k of ['time_intervals', 'mute_time_intervals'] as const) {
    const list = doc[k];
    if (list) out[k] = list.map(({ name, time_intervals }) => ({ name, time_intervals }));
  }
  // Read back as YAML 1.1 (as Alertmanager reads it): `22:00` must stay a quoted string.
  return stringify(out, { version: '1.1' });
}

/** Calls `f` on every policy of the tree. */
function walkRoutes(r: RouteNode | undefined, f: (r: RouteNode) => void): void {
  if (!r) return;
  f(r);
  for (const c of r.routes ?? []) walkRoutes(c, f);
}

/**
 * The Alertmanager configuration as the UI edits it, kept in the UI database as Grafana keeps its own: the first
 * document is the running alertmanager.yml; every change is validated as an alertmanager.yml, stored, then applied
 * to the built-in Alertmanager of this process (when there is one). Changes are serialized.
 */
export class AlertingConfigStore {
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly base: () => string,
    private readonly apply?: (cfg: AlertmanagerConfig) => Promise<void>,
    /** Seals the integrations' secret settings in the database (as datasource secrets are). */
    private readonly box?: SecretBox,
  ) {}

  /** The document as stored: each integration's secret settings sealed into `secureSettings`. */
  private seal(doc: AlertingDocument): AlertingDocument {
    if (!this.box) return doc;
    const out = structuredClone(doc);
    for (const r of out.receivers ?? []) {
      for (const cp of r.grafana_managed_receiver_configs ?? []) {
        const secrets: Record<string, string> = {};
        for (const k of secretSettings(cp.type)) {
          if (cp.settings[k] === undefined) continue;
          secrets[k] = String(cp.settings[k]);
          delete cp.settings[k];
        }
        if (Object.keys(secrets).length > 0) (cp as ContactPoint & { secureSettings?: string }).secureSettings = this.box.seal(secrets);
      }
    }
    return out;
  }

  private unseal(doc: AlertingDocument): AlertingDocument {
    for (const r of doc.receivers ?? []) {
      for (const cp of r.grafana_managed_receiver_configs ?? []) {
        const sealed = cp as ContactPoint & { secureSettings?: string };
        if (sealed.secureSettings === undefined || !this.box) continue;
        Object.assign(cp.settings, this.box.open(sealed.secureSettings));
        delete sealed.secureSettings;
      }
    }
    return doc;
  }

  /** Re-applies a stored document after a restart (the file config is what the Alertmanager started with). */
  async init(): Promise<void> {
    if ((await this.row()) && this.apply) await this.apply(this.validate(await this.load()));
  }

  private row() {
    return this.db.selectFrom('alert_configuration').selectAll().where('id', '=', 1).executeTakeFirst();
  }

  async load(): Promise<AlertingDocument> {
    const row = await this.row();
    if (row) return this.unseal(JSON.parse(row.configuration) as AlertingDocument);
    return ((parse(this.base()) as AlertingDocument | null) ?? {}) satisfies AlertingDocument;
  }

  validate(doc: AlertingDocument): AlertmanagerConfig {
    try {
      return parseAlertmanagerConfig(toAlertmanagerYaml(doc), 'alerting configuration');
    } catch (e) {
      throw new AlertingConfigError((e as Error).message, 400);
    }
  }

  /** Applies `change` to a copy of the document; stores and applies the result when it is a valid configuration. */
  update<T>(change: (doc: AlertingDocument) => T): Promise<T> {
    const run = async () => {
      const doc = structuredClone(await this.load());
      const result = change(doc);
      const cfg = this.validate(doc);
      const now = Date.now();
      const configuration = JSON.stringify(this.seal(doc));
      const cur = await this.row();
      if (cur) await this.db.updateTable('alert_configuration').set({ configuration, updated_at: now }).where('id', '=', 1).execute();
      else await this.db.insertInto('alert_configuration').values({ id: 1, configuration, updated_at: now }).execute();
      if (this.apply) await this.apply(cfg);
      return result;
    };
    const p = this.chain.then(run, run);
    this.chain = p.catch(() => undefined);
    return p;
  }

  // --- contact points -------------------------------------------------------------------------------------------

  static contactPoints(doc: AlertingDocument): ContactPoint[] {
    const out: ContactPoint[] = [];
    for (const r of doc.receivers ?? []) {
      out.push(...(r.grafana_managed_receiver_configs ?? []).map((c) => ({ ...c, name: r.name })));
      out.push(...fromReceiverConfigs(r));
    }
    return out;
  }

  /** Adds an integration (to the receiver of its name, created when new); returns it with its uid. */
  static addContactPoint(doc: AlertingDocument, cp: Omit<ContactPoint, 'uid'> & { uid?: string }): ContactPoint {
    validateContactPoint(cp);
    const uid = cp.uid || randomBytes(9).toString('base64url');
    if (AlertingConfigStore.contactPoints(doc).some((c) => c.uid === uid)) throw new AlertingConfigError(`contact point with uid ${uid} already exists`, 409);
    const full: ContactPoint = { uid, name: cp.name, type: cp.type, settings: cp.settings, disableResolveMessage: cp.disableResolveMessage, provenance: cp.provenance ?? '' };
    doc.receivers ??= [];
    let r = doc.receivers.find((x) => x.name === cp.name);
    if (!r) {
      r = { name: cp.name };
      doc.receivers.push(r);
    }
    (r.grafana_managed_receiver_configs ??= []).push(full);
    return full;
  }

  private static locate(doc: AlertingDocument, uid: string): { r: ReceiverNode; i: number } {
    for (const r of doc.receivers ?? []) {
      const i = (r.grafana_managed_receiver_configs ?? []).findIndex((c) => c.uid === uid);
      if (i >= 0) return { r, i };
    }
    if (AlertingConfigStore.contactPoints(doc).some((c) => c.uid === uid)) throw new AlertingConfigError('contact point is defined in alertmanager.yml and cannot be changed here', 400);
    throw new AlertingConfigError('contact point not found', 404);
  }

  static updateContactPoint(doc: AlertingDocument, uid: string, update: Omit<ContactPoint, 'uid'>): ContactPoint {
    const { r, i } = AlertingConfigStore.locate(doc, uid);
    const cp = { ...update, settings: keepSecrets(update.settings, update.type, r.grafana_managed_receiver_configs![i]) };
    validateContactPoint(cp);
    const to = cp.provenance ?? '';
    checkProvenance(r.grafana_managed_receiver_configs![i].provenance, to);
    if (cp.name === r.name) {
      const next: ContactPoint = { ...cp, uid, provenance: to };
      r.grafana_managed_receiver_configs![i] = next;
      return next;
    }
    // Renamed: the integration moves to the receiver of the new name; a receiver left empty goes, and the
    // policies that used it follow the new name (as Grafana renames a contact point).
    r.grafana_managed_receiver_configs!.splice(i, 1);
    if (r.grafana_managed_receiver_configs!.length === 0 && fromReceiverConfigs(r).length === 0) {
      walkRoutes(doc.route, (n) => {
        if (n.receiver === r.name) n.receiver = cp.name;
      });
      doc.receivers = doc.receivers!.filter((x) => x !== r);
    }
    return AlertingConfigStore.addContactPoint(doc, { ...cp, uid });
  }

  /** Removes an integration; its receiver too when that is left empty and no policy uses it (else 409, as Grafana). */
  static deleteContactPoint(doc: AlertingDocument, uid: string, provenance: string): void {
    const { r, i } = AlertingConfigStore.locate(doc, uid);
    checkProvenance(r.grafana_managed_receiver_configs![i].provenance, provenance);
    r.grafana_managed_receiver_configs!.splice(i, 1);
    if (r.grafana_managed_receiver_configs!.length > 0 || fromReceiverConfigs(r).length > 0) return;
    let used = false;
    walkRoutes(doc.route, (n) => (used ||= n.receiver === r.name));
    if (used) throw new AlertingConfigError(`contact point '${r.name}' is currently used by a notification policy`, 409);
    doc.receivers = doc.receivers!.filter((x) => x !== r);
  }

  /** Replaces the policy tree. */
  static setPolicies(doc: AlertingDocument, route: RouteNode, provenance: string): void {
    checkProvenance(doc.policies_provenance, provenance);
    doc.route = route;
    doc.policies_provenance = provenance;
  }

  // --- mute timings ---------------------------------------------------------------------------------------------

  static muteTimings(doc: AlertingDocument): MuteTiming[] {
    return [...(doc.time_intervals ?? []), ...(doc.mute_time_intervals ?? [])].map((t) => ({ name: t.name, time_intervals: t.time_intervals ?? [], provenance: t.provenance ?? '' }));
  }

  static putMuteTiming(doc: AlertingDocument, t: MuteTiming, mode: 'create' | 'update', oldName = t.name): MuteTiming {
    const lists = [doc.time_intervals ?? [], doc.mute_time_intervals ?? []];
    const exists = (n: string) => lists.some((l) => l.some((x) => x.name === n));
    if (mode === 'create' && exists(t.name)) throw new AlertingConfigError(`a mute timing with name '${t.name}' already exists`, 409);
    if (mode === 'update' && !exists(oldName)) throw new AlertingConfigError('mute timing not found', 404);
    if (mode === 'update') {
      checkProvenance(AlertingConfigStore.muteTimings(doc).find((x) => x.name === oldName)?.provenance, t.provenance ?? '');
      for (const l of lists) {
        const i = l.findIndex((x) => x.name === oldName);
        if (i >= 0) l[i] = t;
      }
      doc.time_intervals = lists[0];
      if (doc.mute_time_intervals) doc.mute_time_intervals = lists[1];
    } else (doc.time_intervals ??= []).push(t);
    return t;
  }

  static deleteMuteTiming(doc: AlertingDocument, name: string, provenance: string): void {
    checkProvenance(AlertingConfigStore.muteTimings(doc).find((x) => x.name === name)?.provenance, provenance);
    let used = false;
    walkRoutes(doc.route, (n) => (used ||= [...(n.mute_time_intervals ?? []), ...(n.active_time_intervals ?? [])].includes(name)));
    if (used) throw new AlertingConfigError(`mute time interval '${name}' is currently used by a notification policy`, 409);
    if (doc.time_intervals) doc.time_intervals = doc.time_intervals.filter((x) => x.name !== name);
    if (doc.mute_time_intervals) doc.mute_time_intervals = doc.mute_time_intervals.filter((x) => x.name !== name);
  }
}

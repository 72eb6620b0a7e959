import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { parse as parseYaml } from 'yaml';
import * as z from 'zod';
import { expandProvisioningEnv, ProvisioningError } from '../datasources/provisioning.js';
import { AlertingConfigStore } from './alerting-config.js';
import { fromGrafanaRoute, grafanaRouteSchema } from './policies.js';
import { alertRuleSchema } from './rule-model.js';
import type { AlertRuleStore } from './rule-store.js';

const orgId = { orgId: z.number().optional() };
const durationSeconds = z.union([z.number(), z.string()]).transform((v, ctx) => {
  if (typeof v === 'number') return v;
  const m = /^(\d+)(s|m|h)?$/.exec(v);
  if (!m) {
    ctx.addIssue({ code: 'custom', message: `invalid interval ${v}` });
    return z.NEVER;
  }
  return Number(m[1]) * { s: 1, m: 60, h: 3600 }[m[2] ?? 's']!;
});

/** Grafana's alerting provisioning file (`apiVersion: 1`). */
const fileSchema = z.object({
  apiVersion: z.literal(1, { message: 'apiVersion must be 1' }),
  groups: z
    .array(z.object({ ...orgId, name: z.string().min(1), folder: z.string().min(1), interval: durationSeconds.default(60), rules: z.array(z.record(z.string(), z.unknown())) }))
    .default([]),
  deleteRules: z.array(z.object({ ...orgId, uid: z.string() })).default([]),
  contactPoints: z
    .array(z.object({ ...orgId, name: z.string().min(1), receivers: z.array(z.object({ uid: z.string().optional(), type: z.string(), settings: z.record(z.string(), z.unknown()).default({}), disableResolveMessage: z.boolean().default(false) })) }))
    .default([]),
  deleteContactPoints: z.array(z.object({ ...orgId, uid: z.string() })).default([]),
  policies: z.array(z.object(orgId).passthrough()).default([]),
  resetPolicies: z.array(z.number()).default([]),
  muteTimes: z.array(z.object({ ...orgId, name: z.string().min(1), time_intervals: z.array(z.record(z.string(), z.unknown())).default([]) })).default([]),
  deleteMuteTimes: z.array(z.object({ ...orgId, name: z.string() })).default([]),
});

export type AlertingProvisioningFile = z.output<typeof fileSchema>;

function issue(file: string, e: z.ZodError): ProvisioningError {
  const i = e.issues[0];
  return new ProvisioningError(`${file}: ${i.path.join('.')}${i.path.length ? ': ' : ''}${i.message}`);
}

/** Reads `<provisioning>/alerting/*.yaml|yml|json` (environment variables expanded as Grafana does). */
export function readAlertingProvisioning(folder: string, env: NodeJS.ProcessEnv = process.env): { file: string; content: AlertingProvisioningFile }[] {
  const dir = join(folder, 'alerting');
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return [];
  return readdirSync(dir)
    .filter((f) => /\.(ya?ml|json)$/i.test(f))
    .sort()
    .map((f) => {
      const file = join(dir, f);
      let raw: unknown;
      try {
        raw = parseYaml(expandProvisioningEnv(readFileSync(file, 'utf8'), env));
      } catch (e) {
        throw new ProvisioningError(`${file}: ${(e as Error).message.split('\n')[0]}`);
      }
      const r = fileSchema.safeParse(raw ?? {});
      if (!r.success) throw issue(file, r.error);
      // Each rule as the API validates it, with the file's group and folder.
      for (const g of r.data.groups) {
        for (const [i, rule] of g.rules.entries()) {
          const v = alertRuleSchema.safeParse({ folderUID: g.folder, ruleGroup: g.name, ...rule });
          if (!v.success) throw issue(`${file}: groups.${g.name}.rules.${i}`, v.error);
        }
      }
      return { file, content: r.data };
    });
}

/** Applies the files in order: mute timings, contact points and policies in one configuration change, then rules. */
export async function applyAlertingProvisioning(files: { file: string; content: AlertingProvisioningFile }[], config: AlertingConfigStore, rules: AlertRuleStore, logger: Logger): Promise<void> {
  if (files.length === 0) return;
  await config.update((doc) => {
    for (const { content: c } of files) {
      for (const d of c.deleteMuteTimes) AlertingConfigStore.deleteMuteTiming(doc, d.name, 'file');
      for (const t of c.muteTimes) {
        const exists = AlertingConfigStore.muteTimings(doc).some((x) => x.name === t.name);
        AlertingConfigStore.putMuteTiming(doc, { name: t.name, time_intervals: t.time_intervals, provenance: 'file' }, exists ? 'update' : 'create');
      }
      for (const d of c.deleteContactPoints) {
        if (AlertingConfigStore.contactPoints(doc).some((x) => x.uid === d.uid)) AlertingConfigStore.deleteContactPoint(doc, d.uid, 'file');
      }
      for (const cp of c.contactPoints) {
        for (const r of cp.receivers) {
          const body = { name: cp.name, type: r.type, settings: r.settings, disableResolveMessage: r.disableResolveMessage, provenance: 'file' };
          if (r.uid && AlertingConfigStore.contactPoints(doc).some((x) => x.uid === r.uid)) AlertingConfigStore.updateContactPoint(doc, r.uid, body);
          else AlertingConfigStore.addContactPoint(doc, { ...body, uid: r.uid });
        }
      }
      if (c.resetPolicies.length > 0 && doc.receivers?.[0]) AlertingConfigStore.setPolicies(doc, { receiver: doc.receivers[0].name, group_by: ['grafana_folder', 'alertname'] }, '');
      for (const p of c.policies) {
        const r = grafanaRouteSchema.safeParse(p);
        if (!r.success) throw issue('policies', r.error);
        AlertingConfigStore.setPolicies(doc, fromGrafanaRoute(r.data), 'file');
      }
    }
  });
  for (const { file, content: c } of files) {
    for (const d of c.deleteRules) await rules.delete(d.uid, 'file');
    for (const g of c.groups) {
      for (const rule of g.rules) await rules.save(alertRuleSchema.parse({ folderUID: g.folder, ruleGroup: g.name, ...rule, intervalSeconds: g.interval }), 'file');
    }
    logger.info({ component: 'ui', file, groups: c.groups.length, contactPoints: c.contactPoints.length, muteTimes: c.muteTimes.length, policies: c.policies.length }, 'alerting provisioned');
  }
}

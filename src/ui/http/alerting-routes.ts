import type { FastifyInstance, FastifyRequest } from 'fastify';
import * as z from 'zod';
import { HttpError } from '../../server/index.js';
import { AlertingConfigError, AlertingConfigStore, type MuteTiming } from '../alerting/alerting-config.js';
import { contactPointSchema, ContactPointError, keepSecrets, redactContactPoint, type ContactPoint } from '../alerting/contact-points.js';
import { roleAtLeast } from '../auth/roles.js';
import { fromGrafanaRoute, grafanaRouteSchema, toGrafanaRoute } from '../alerting/policies.js';
import { ProvenanceError } from '../alerting/provenance.js';
import { alertRuleSchema, RuleDefinitionError } from '../alerting/rule-model.js';
import { RuleConflictError, type AlertRuleStore } from '../alerting/rule-store.js';
import type { GrafanaRuleScheduler } from '../alerting/scheduler.js';
import { testContactPoint } from '../alerting/test-receiver.js';
import { requireRole, type UiRouteContext } from './context.js';
import { parseBody } from './validation.js';

export interface AlertingRouteDeps {
  rules: AlertRuleStore;
  config: AlertingConfigStore;
  scheduler: GrafanaRuleScheduler;
  rootUrl: () => string;
}

const muteTimingSchema = z.object({ name: z.string().min(1, 'name is required').max(190), time_intervals: z.array(z.record(z.string(), z.unknown())).default([]) });
const ruleGroupSchema = z.object({ title: z.string().optional(), folderUid: z.string().optional(), interval: z.number().int().positive(), rules: z.array(z.unknown()) });
const testBody = z.object({
  receivers: z.array(z.object({ name: z.string(), grafana_managed_receiver_configs: z.array(contactPointSchema.partial({ name: true })) })).min(1),
  alert: z.object({ labels: z.record(z.string(), z.string()).optional(), annotations: z.record(z.string(), z.string()).optional() }).optional(),
});

/** Grafana marks objects made through the provisioning API as `api` unless `X-Disable-Provenance` is sent. */
function provenance(req: FastifyRequest): string {
  return req.headers['x-disable-provenance'] !== undefined ? '' : 'api';
}

/** Domain errors as Grafana's HTTP answers. */
async function grafanaErrors<T>(f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    if (e instanceof AlertingConfigError) throw new HttpError(e.status, 'bad_data', e.message);
    if (e instanceof RuleDefinitionError || e instanceof ContactPointError) throw new HttpError(400, 'bad_data', e.message);
    if (e instanceof RuleConflictError) throw new HttpError(409, 'conflict', e.message);
    if (e instanceof ProvenanceError) throw new HttpError(403, 'forbidden', e.message);
    throw e;
  }
}

/**
 * Grafana's alerting provisioning API (`/api/v1/provisioning/...`: alert rules, rule groups, contact points,
 * notification policies, mute timings) with Grafana's JSON shapes and status codes, the rule state of
 * Grafana-managed rules (`/api/prometheus/grafana/api/v1/rules`) and the contact point test.
 */
export function registerAlertingRoutes(app: FastifyInstance, c: UiRouteContext, d: AlertingRouteDeps): void {
  const P = '/api/v1/provisioning';
  const notFound = (what: string) => new HttpError(404, 'not_found', `${what} not found`);

  // --- alert rules --------------------------------------------------------------------------------------------
  app.get(`${P}/alert-rules`, async (req) => {
    requireRole(req, 'Viewer');
    return d.rules.list();
  });
  app.get<{ Params: { uid: string } }>(`${P}/alert-rules/:uid`, async (req) => {
    requireRole(req, 'Viewer');
    return (await d.rules.get(req.params.uid)) ?? Promise.reject(notFound('rule'));
  });
  app.post(`${P}/alert-rules`, async (req, reply) => {
    requireRole(req, 'Editor');
    const body = parseBody(alertRuleSchema, req.body);
    if (body.uid && (await d.rules.get(body.uid))) throw new HttpError(409, 'conflict', `a rule with uid ${body.uid} already exists`);
    return reply.code(201).send(await grafanaErrors(() => d.rules.save(body, provenance(req))));
  });
  app.put<{ Params: { uid: string } }>(`${P}/alert-rules/:uid`, async (req) => {
    requireRole(req, 'Editor');
    const body = parseBody(alertRuleSchema, req.body);
    if (!(await d.rules.get(req.params.uid))) throw notFound('rule');
    return grafanaErrors(() => d.rules.save(body, provenance(req), req.params.uid));
  });
  app.delete<{ Params: { uid: string } }>(`${P}/alert-rules/:uid`, async (req, reply) => {
    requireRole(req, 'Editor');
    await grafanaErrors(() => d.rules.delete(req.params.uid, provenance(req)));
    return reply.code(204).send();
  });
  app.get<{ Params: { folder: string; group: string } }>(`${P}/folder/:folder/rule-groups/:group`, async (req) => {
    requireRole(req, 'Viewer');
    const rules = (await d.rules.list()).filter((r) => r.folderUID === req.params.folder && r.ruleGroup === req.params.group);
    if (rules.length === 0) throw notFound('rule group');
    return { title: req.params.group, folderUid: req.params.folder, interval: rules[0].intervalSeconds, rules };
  });
  app.put<{ Params: { folder: string; group: string } }>(`${P}/folder/:folder/rule-groups/:group`, async (req) => {
    requireRole(req, 'Editor');
    const { folder, group } = req.params;
    const body = parseBody(ruleGroupSchema, req.body);
    const rules = body.rules.map((r) => parseBody(alertRuleSchema, { folderUID: folder, ruleGroup: group, ...(r as object) }));
    const saved = await grafanaErrors(() => d.rules.replaceGroup(folder, group, body.interval, rules, provenance(req)));
    return { title: group, folderUid: folder, interval: body.interval, rules: saved };
  });

  // --- rule state ---------------------------------------------------------------------------------------------
  app.get('/api/prometheus/grafana/api/v1/rules', async (req) => {
    requireRole(req, 'Viewer');
    const groups = new Map<string, { name: string; file: string; folderUid: string; rules: unknown[]; interval: number }>();
    const intervals = new Map((await d.rules.list()).map((r) => [r.uid, r.intervalSeconds]));
    for (const s of await d.scheduler.status()) {
      const k = `${s.folderUid}\u0000${s.group}`;
      if (!groups.has(k)) groups.set(k, { name: s.group, file: s.folderUid, folderUid: s.folderUid, rules: [], interval: intervals.get(s.uid) ?? 60 });
      groups.get(k)!.rules.push({ ...s, type: 'alerting' });
    }
    return { status: 'success', data: { groups: [...groups.values()] } };
  });

  // --- contact points -----------------------------------------------------------------------------------------
  app.get<{ Querystring: { name?: string; decrypt?: string } }>(`${P}/contact-points`, async (req) => {
    const user = requireRole(req, 'Viewer');
    const all = AlertingConfigStore.contactPoints(await d.config.load()).filter((cp) => !req.query.name || cp.name === req.query.name);
    // Secrets only for Admins asking for them (Grafana's `decrypt=true`).
    return req.query.decrypt === 'true' && roleAtLeast(user.role, 'Admin') ? all : all.map(redactContactPoint);
  });
  app.post(`${P}/contact-points`, async (req, reply) => {
    requireRole(req, 'Editor');
    const body = parseBody(contactPointSchema, req.body);
    const cp = await grafanaErrors(() => d.config.update((doc) => AlertingConfigStore.addContactPoint(doc, { ...body, uid: body.uid || undefined, provenance: provenance(req) })));
    return reply.code(202).send(redactContactPoint(cp));
  });
  app.put<{ Params: { uid: string } }>(`${P}/contact-points/:uid`, async (req, reply) => {
    requireRole(req, 'Editor');
    const body = parseBody(contactPointSchema, req.body);
    await grafanaErrors(() => d.config.update((doc) => AlertingConfigStore.updateContactPoint(doc, req.params.uid, { ...body, provenance: provenance(req) })));
    return reply.code(202).send({ message: 'contactpoint updated' });
  });
  app.delete<{ Params: { uid: string } }>(`${P}/contact-points/:uid`, async (req, reply) => {
    requireRole(req, 'Editor');
    await grafanaErrors(() => d.config.update((doc) => AlertingConfigStore.deleteContactPoint(doc, req.params.uid, provenance(req))));
    return reply.code(202).send({ message: 'contactpoint deleted' });
  });
  app.post('/api/alertmanager/grafana/config/api/v1/receivers/test', async (req, reply) => {
    requireRole(req, 'Editor');
    const body = parseBody(testBody, req.body);
    const doc = await d.config.load();
    const existing = AlertingConfigStore.contactPoints(doc);
    const receivers = await grafanaErrors(async () =>
      Promise.all(
        body.receivers.map(async (r) => ({
          name: r.name,
          grafana_managed_receiver_configs: await Promise.all(
            r.grafana_managed_receiver_configs.map((cfg) => {
              // Secrets left out of the form, or sent back redacted, are those of the saved integration.
              const saved = existing.find((x) => x.uid === cfg.uid);
              const cp: ContactPoint = { uid: cfg.uid || 'test', name: r.name, type: cfg.type, settings: keepSecrets(cfg.settings, cfg.type, saved), disableResolveMessage: cfg.disableResolveMessage };
              return testContactPoint(doc, cp, c.logger, d.rootUrl(), body.alert);
            }),
          ),
        })),
      ),
    );
    const failed = receivers.some((r) => r.grafana_managed_receiver_configs.some((x) => x.status === 'failed'));
    return reply.code(failed ? 207 : 200).send({ alert: { labels: { alertname: 'TestAlert', instance: 'Grafana', ...body.alert?.labels }, annotations: { summary: 'Notification test', ...body.alert?.annotations } }, receivers, notified_at: new Date().toISOString() });
  });

  // --- notification policies ----------------------------------------------------------------------------------
  app.get(`${P}/policies`, async (req) => {
    requireRole(req, 'Viewer');
    const doc = await d.config.load();
    const tree = toGrafanaRoute(doc.route ?? {});
    return doc.policies_provenance ? { ...tree, provenance: doc.policies_provenance } : tree;
  });
  app.put(`${P}/policies`, async (req, reply) => {
    requireRole(req, 'Editor');
    const body = parseBody(grafanaRouteSchema, req.body);
    if (!body.receiver) throw new HttpError(400, 'bad_data', 'invalid object specification: root route must specify a default receiver');
    await grafanaErrors(() => d.config.update((doc) => AlertingConfigStore.setPolicies(doc, fromGrafanaRoute(body), provenance(req))));
    return reply.code(202).send({ message: 'policies updated' });
  });
  app.delete(`${P}/policies`, async (req, reply) => {
    // Grafana's reset leaves the default tree without provenance (its provenance rule still applies).
    requireRole(req, 'Editor');
    // Grafana's reset: the default policy to the first contact point, grouped by folder and alert name.
    await grafanaErrors(() =>
      d.config.update((doc) => {
        const receiver = doc.receivers?.[0]?.name;
        if (!receiver) throw new AlertingConfigError('no contact point to route to', 400);
        AlertingConfigStore.setPolicies(doc, { receiver, group_by: ['grafana_folder', 'alertname'] }, provenance(req));
        delete doc.policies_provenance;
      }),
    );
    return reply.code(202).send({ message: 'policies reset' });
  });

  // --- mute timings -------------------------------------------------------------------------------------------
  app.get(`${P}/mute-timings`, async (req) => {
    requireRole(req, 'Viewer');
    return AlertingConfigStore.muteTimings(await d.config.load());
  });
  app.get<{ Params: { name: string } }>(`${P}/mute-timings/:name`, async (req) => {
    requireRole(req, 'Viewer');
    const t = AlertingConfigStore.muteTimings(await d.config.load()).find((x) => x.name === req.params.name);
    if (!t) throw notFound('mute timing');
    return t;
  });
  app.post(`${P}/mute-timings`, async (req, reply) => {
    requireRole(req, 'Editor');
    const body = parseBody(muteTimingSchema, req.body);
    const t: MuteTiming = { ...body, provenance: provenance(req) };
    await grafanaErrors(() => d.config.update((doc) => AlertingConfigStore.putMuteTiming(doc, t, 'create')));
    return reply.code(201).send(t);
  });
  app.put<{ Params: { name: string } }>(`${P}/mute-timings/:name`, async (req, reply) => {
    requireRole(req, 'Editor');
    const body = parseBody(muteTimingSchema, req.body);
    const t: MuteTiming = { ...body, provenance: provenance(req) };
    await grafanaErrors(() => d.config.update((doc) => AlertingConfigStore.putMuteTiming(doc, t, 'update', req.params.name)));
    return reply.code(202).send(t);
  });
  app.delete<{ Params: { name: string } }>(`${P}/mute-timings/:name`, async (req, reply) => {
    requireRole(req, 'Editor');
    await grafanaErrors(() => d.config.update((doc) => AlertingConfigStore.deleteMuteTiming(doc, req.params.name, provenance(req))));
    return reply.code(204).send();
  });
}

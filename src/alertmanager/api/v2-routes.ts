import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { redactSecretsYaml } from '../../config/index.js';
import { compileAnchored, type Matcher, type Regex } from '../../model/index.js';
import { isResolved, newAlert, validateAlert, type Alert } from '../alert.js';
import type { Alertmanager, AlertStatus } from '../alertmanager.js';
import { MatcherParseError, parseMatcher } from '../config/am-matchers.js';
import { compareAlerts, labelSetBefore } from '../notify/template-data.js';
import { wellFormed, type LabelSet } from '../labels.js';
import { SilenceError, silenceState, type Silence, type SilenceMatcher } from '../silences.js';

/**
 * Alertmanager's API v2 (the OpenAPI spec of Alertmanager 0.25): alerts, alert groups, silences, receivers and
 * status, with its JSON shapes, its validation messages and its status codes (400 with a JSON string for
 * semantic errors, 422 `{code, message}` for schema violations).
 */

class SchemaError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

const apiTime = (ms: number) => new Date(ms).toISOString();

/** strfmt.DateTime: RFC 3339 (with or without fraction/offset). */
function parseTime(v: unknown, what: string): number {
  if (typeof v !== 'string') throw new SchemaError(400, 400, `parsing ${what} body from "" failed, because json: cannot unmarshal ${typeof v} into Go value of type strfmt.DateTime`);
  const ok = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/i.test(v);
  const ms = ok ? Date.parse(v.replace(' ', 'T')) : NaN;
  if (Number.isNaN(ms)) throw new SchemaError(400, 400, `parsing ${what} body from "" failed, because parsing time ${JSON.stringify(v)} as "2006-01-02T15:04:05.000Z07:00": cannot parse ${JSON.stringify(v)}`);
  // Go's zero time ("0001-01-01T00:00:00Z") means "not set".
  return ms <= -62135596800000 ? 0 : ms;
}

function labelSet(v: unknown, path: string): LabelSet {
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw new SchemaError(400, 400, `parsing alerts body from "" failed, because json: cannot unmarshal into Go struct field ${path} of type models.LabelSet`);
  const out: LabelSet = {};
  const o = v as Record<string, unknown>;
  for (const k in o) {
    const x = o[k];
    if (typeof x !== 'string') throw new SchemaError(400, 400, `parsing alerts body from "" failed, because json: cannot unmarshal ${typeof x} into Go struct field ${path} of type string`);
    // Lone surrogates (`"\ud800"`) become U+FFFD, as Go's JSON decoder makes them.
    out[wellFormed(k)] = wellFormed(x);
  }
  return out;
}

function parseBody(raw: string, what: string): unknown {
  try {
    return JSON.parse(raw);
  } catch (e) {
    const msg = raw.trim() === '' || /end of JSON|Unterminated|Expected/.test((e as Error).message) ? 'unexpected EOF' : (e as Error).message;
    throw new SchemaError(400, 400, `parsing ${what} body from "" failed, because ${msg}`);
  }
}

/** Go-swagger's query booleans: `true`/`false`/`1`/`0`; anything else leaves the default. */
function boolParam(v: unknown, def: boolean): boolean {
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  return def;
}

function listParam(v: unknown): string[] {
  if (v === undefined) return [];
  return Array.isArray(v) ? (v as string[]) : [String(v)];
}

/** The API's filter semantics: a matcher for an empty value also matches a missing label, as Alertmanager's do. */
function matchesFilter(ms: readonly Matcher[], ls: LabelSet): boolean {
  for (const m of ms) {
    const present = m.name in ls;
    const v = ls[m.name] ?? '';
    if (m.type === '!=' || m.type === '!~') {
      if (m.value === '' && present) continue;
    } else if (m.value === '' && !present) continue;
    if (!m.matches(v)) return false;
  }
  return true;
}

function gettableAlert(a: Alert, status: AlertStatus, receivers: string[]) {
  return {
    annotations: a.annotations,
    endsAt: apiTime(a.endsAt),
    fingerprint: a.fingerprint,
    receivers: receivers.map((name) => ({ name })),
    startsAt: apiTime(a.startsAt),
    status: { inhibitedBy: status.inhibitedBy, silencedBy: status.silencedBy, state: status.state },
    updatedAt: apiTime(a.updatedAt),
    ...(a.generatorURL !== '' ? { generatorURL: a.generatorURL } : {}),
    labels: a.labels,
  };
}

function gettableSilence(s: Silence, now: number) {
  return {
    id: s.id,
    status: { state: silenceState(s, now) },
    updatedAt: apiTime(s.updatedAt),
    comment: s.comment,
    createdBy: s.createdBy,
    endsAt: apiTime(s.endsAt),
    matchers: s.matchers.map((m) => ({ isEqual: m.isEqual, isRegex: m.isRegex, name: m.name, value: m.value })),
    startsAt: apiTime(s.startsAt),
  };
}

const STATE_ORDER = { active: 1, pending: 2, expired: 3 } as const;

export interface V2Options {
  /** The Alertmanager answering `req` (one per tenant on the Mimir role). */
  am: (req: FastifyRequest) => Alertmanager;
  version: string;
  reload?: () => Promise<void>;
}

export function registerV2Routes(app: FastifyInstance, opts: V2Options): void {
  // Bodies are parsed here, so that malformed JSON gets Alertmanager's message rather than Fastify's.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => done(null, body));
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));

  const fail = (reply: FastifyReply, e: unknown) => {
    if (e instanceof SchemaError) return reply.code(e.status).send(e.status === 422 ? { code: e.code, message: e.message } : { code: e.code, message: e.message });
    throw e;
  };
  const text400 = (reply: FastifyReply, msg: string, status = 400) => reply.code(status).type('application/json').send(`${JSON.stringify(msg)}\n`);

  // Alertmanager answers its health endpoints with a plain "OK".
  app.addHook('onRequest', async (req, reply) => {
    const path = req.url.split('?')[0];
    if ((path === '/-/healthy' || path === '/-/ready') && (req.method === 'GET' || req.method === 'HEAD')) {
      return reply.type('text/plain; charset=utf-8').send('OK');
    }
  });

  if (opts.reload) {
    const reload = opts.reload;
    app.post('/-/reload', async (_req, reply) => {
      try {
        await reload();
        return reply.code(200).send('');
      } catch (e) {
        return reply.code(500).type('text/plain; charset=utf-8').send(`failed to reload config: ${(e as Error).message}\n`);
      }
    });
  }

  app.get('/api/v2/status', async (req) => {
    const am = opts.am(req);
    return {
      cluster: { peers: [], status: 'disabled' },
      // Secrets as Alertmanager shows them: `<secret>`.
      config: { original: redactSecretsYaml(am.config.original) },
      uptime: apiTime(am.startedAt),
      versionInfo: { branch: 'sightline', buildDate: '', buildUser: 'sightline', goVersion: `node ${process.version}`, revision: opts.version, version: '0.25.0' },
    };
  });

  app.get('/api/v2/receivers', async (req) => opts.am(req).config.receivers.map((r) => ({ name: r.name })));

  app.post('/api/v2/alerts', async (req, reply) => {
    // Answered already (--web.timeout passed while the body was arriving): not taken, as in Alertmanager.
    if (reply.sent) return reply;
    const am = opts.am(req);
    let alerts: Alert[];
    try {
      const body = parseBody(String(req.body ?? ''), 'alerts');
      if (!Array.isArray(body)) throw new SchemaError(400, 400, `parsing alerts body from "" failed, because json: cannot unmarshal ${body === null ? 'null' : typeof body} into Go value of type models.PostableAlerts`);
      const now = Date.now();
      alerts = body.map((x: unknown, i: number) => {
        if (typeof x !== 'object' || x === null) throw new SchemaError(400, 400, `parsing alerts body from "" failed, because json: cannot unmarshal ${typeof x} into Go value of type models.PostableAlert`);
        const o = x as Record<string, unknown>;
        if (o.labels === undefined || o.labels === null) throw new SchemaError(422, 602, `${i}.labels in body is required`);
        const labels = labelSet(o.labels, 'PostableAlert.labels');
        for (const k of Object.keys(labels)) if (labels[k] === '') delete labels[k];
        const generatorURL = o.generatorURL === undefined ? '' : String(o.generatorURL);
        let startsAt = o.startsAt === undefined ? 0 : parseTime(o.startsAt, 'alerts');
        let endsAt = o.endsAt === undefined ? 0 : parseTime(o.endsAt, 'alerts');
        let timeout = false;
        if (startsAt === 0) startsAt = endsAt === 0 ? now : endsAt;
        if (endsAt === 0) {
          timeout = true;
          endsAt = now + am.config.global.resolve_timeout;
        }
        return newAlert({ labels, annotations: labelSet(o.annotations, 'PostableAlert.annotations'), startsAt, endsAt, generatorURL, updatedAt: now, timeout });
      });
    } catch (e) {
      return fail(reply, e);
    }
    const now = Date.now();
    const valid: Alert[] = [];
    const errors: string[] = [];
    let firing = 0;
    for (const a of alerts) {
      if (a.endsAt > now) firing++;
      const problem = validateAlert(a);
      if (problem) errors.push(problem);
      else valid.push(a);
    }
    // Counted once per request (the same totals as Alertmanager's per-alert increments).
    if (firing > 0) am.metrics.received.inc({ status: 'firing', version: 'v2' }, firing);
    if (alerts.length > firing) am.metrics.received.inc({ status: 'resolved', version: 'v2' }, alerts.length - firing);
    if (errors.length > 0) am.metrics.invalid.inc({ version: 'v2' }, errors.length);
    am.store.put(...valid);
    if (errors.length > 0) return text400(reply, errors.join('; '));
    return reply.code(200).send('');
  });

  const filters = (q: Record<string, unknown>, reply: FastifyReply): { matchers: Matcher[]; receiver?: Regex } | undefined => {
    const matchers: Matcher[] = [];
    try {
      for (const f of listParam(q.filter)) matchers.push(parseMatcher(f));
    } catch (e) {
      if (e instanceof MatcherParseError) {
        text400(reply, e.message);
        return undefined;
      }
      throw e;
    }
    let receiver: Regex | undefined;
    if (typeof q.receiver === 'string') {
      try {
        receiver = compileAnchored(q.receiver);
      } catch (e) {
        text400(reply, `failed to parse receiver param: ${(e as Error).message}`);
        return undefined;
      }
    }
    return { matchers, receiver };
  };

  const alertFilter = (am: Alertmanager, q: Record<string, unknown>, matchers: Matcher[]) => {
    const silenced = boolParam(q.silenced, true);
    const inhibited = boolParam(q.inhibited, true);
    const active = boolParam(q.active, true);
    return (a: Alert, now: number): AlertStatus | undefined => {
      if (isResolved(a, now)) return undefined;
      const st = am.status(a.labels, a.fingerprint);
      if (!active && st.state === 'active') return undefined;
      if (!silenced && st.silencedBy.length > 0) return undefined;
      if (!inhibited && st.inhibitedBy.length > 0) return undefined;
      return matchesFilter(matchers, a.labels) ? st : undefined;
    };
  };

  app.get('/api/v2/alerts', async (req, reply) => {
    const am = opts.am(req);
    const q = req.query as Record<string, unknown>;
    const f = filters(q, reply);
    if (!f) return reply;
    const keep = alertFilter(am, q, f.matchers);
    const now = Date.now();
    const out = [];
    for (const a of am.store.list()) {
      const receivers = am.route.match(a.labels).map((r) => r.opts.receiver);
      if (f.receiver && !receivers.some((r) => f.receiver!.test(r))) continue;
      const st = keep(a, now);
      if (!st) continue;
      out.push(gettableAlert(a, st, receivers));
    }
    out.sort((x, y) => (x.fingerprint < y.fingerprint ? -1 : x.fingerprint > y.fingerprint ? 1 : 0));
    return out;
  });

  app.get('/api/v2/alerts/groups', async (req, reply) => {
    const am = opts.am(req);
    const q = req.query as Record<string, unknown>;
    const f = filters(q, reply);
    if (!f) return reply;
    const keep = alertFilter(am, q, f.matchers);
    const now = Date.now();
    const groups: { receiver: string; labels: LabelSet; alerts: { a: Alert; st: AlertStatus }[] }[] = [];
    const receiversByFp = new Map<string, string[]>();
    for (const g of am.dispatcher.allGroups()) {
      const receiver = g.route.opts.receiver;
      if (f.receiver && !f.receiver.test(receiver)) continue;
      const alerts: { a: Alert; st: AlertStatus }[] = [];
      for (const a of g.alerts.values()) {
        const st = keep(a, now);
        if (!st) continue;
        const list = receiversByFp.get(a.fingerprint) ?? [];
        list.push(receiver);
        receiversByFp.set(a.fingerprint, list);
        alerts.push({ a, st });
      }
      if (alerts.length > 0) groups.push({ receiver, labels: g.labels, alerts });
    }
    groups.sort((x, y) => {
      if (!labelSetBefore(x.labels, y.labels) && !labelSetBefore(y.labels, x.labels)) return x.receiver < y.receiver ? -1 : x.receiver > y.receiver ? 1 : 0;
      return labelSetBefore(x.labels, y.labels) ? -1 : 1;
    });
    return groups.map((g) => ({
      alerts: g.alerts.sort((x, y) => compareAlerts(x.a, y.a)).map(({ a, st }) => gettableAlert(a, st, receiversByFp.get(a.fingerprint) ?? [])),
      labels: g.labels,
      receiver: { name: g.receiver },
    }));
  });

  app.get('/api/v2/silences', async (req, reply) => {
    const am = opts.am(req);
    const q = req.query as Record<string, unknown>;
    const matchers: Matcher[] = [];
    try {
      for (const f of listParam(q.filter)) matchers.push(parseMatcher(f));
    } catch (e) {
      if (e instanceof MatcherParseError) return text400(reply, e.message);
      throw e;
    }
    const now = Date.now();
    const sils = am.silences
      .list()
      .filter((s) => matchers.every((m) => s.matchers.some((sm) => sm.name === m.name && sm.value === m.value && sm.isEqual === (m.type === '=' || m.type === '=~') && sm.isRegex === (m.type === '=~' || m.type === '!~'))))
      .map((s) => gettableSilence(s, now));
    sils.sort((a, b) => {
      if (a.status.state !== b.status.state) return STATE_ORDER[a.status.state] - STATE_ORDER[b.status.state];
      const sa = am.silences.get(a.id)!;
      const sb = am.silences.get(b.id)!;
      if (a.status.state === 'active') return sa.endsAt - sb.endsAt;
      if (a.status.state === 'pending') return sa.startsAt - sb.startsAt;
      return sb.endsAt - sa.endsAt;
    });
    return sils;
  });

  const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

  app.get('/api/v2/silence/:id', async (req, reply) => {
    const { id } = req.params as { id: string };
    if (!UUID.test(id)) return reply.code(422).send({ code: 601, message: `silenceID in path must be of type uuid: ${JSON.stringify(id)}` });
    const s = opts.am(req).silences.get(id);
    if (!s) return reply.code(404).send('');
    return gettableSilence(s, Date.now());
  });

  app.delete('/api/v2/silence/:id', async (req, reply) => {
    const { id } = req.params as { id: string };
    if (!UUID.test(id)) return reply.code(422).send({ code: 601, message: `silenceID in path must be of type uuid: ${JSON.stringify(id)}` });
    try {
      opts.am(req).silences.expire(id);
    } catch (e) {
      if (e instanceof SilenceError) return text400(reply, e.message, 500);
      throw e;
    }
    return reply.code(200).send('');
  });

  app.post('/api/v2/silences', async (req, reply) => {
    const am = opts.am(req);
    let input: { id?: string; matchers: SilenceMatcher[]; startsAt: number; endsAt: number; createdBy: string; comment: string };
    try {
      const body = parseBody(String(req.body ?? ''), 'silence');
      if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new SchemaError(400, 400, 'parsing silence body from "" failed, because json: cannot unmarshal array into Go value of type models.PostableSilence');
      const o = body as Record<string, unknown>;
      for (const k of ['comment', 'createdBy', 'endsAt', 'matchers', 'startsAt']) {
        if (o[k] === undefined || o[k] === null) throw new SchemaError(422, 602, `${k} in body is required`);
      }
      if (!Array.isArray(o.matchers)) throw new SchemaError(400, 400, 'parsing silence body from "" failed, because json: cannot unmarshal into Go struct field PostableSilence.matchers of type models.Matchers');
      if (o.matchers.length === 0) throw new SchemaError(422, 612, 'matchers in body should have at least 1 items');
      const matchers = o.matchers.map((m: unknown, i: number) => {
        const mo = (m ?? {}) as Record<string, unknown>;
        for (const k of ['isRegex', 'name', 'value']) if (mo[k] === undefined || mo[k] === null) throw new SchemaError(422, 602, `matchers.${i}.${k} in body is required`);
        return { name: String(mo.name), value: String(mo.value), isRegex: mo.isRegex === true, isEqual: mo.isEqual === undefined ? true : mo.isEqual === true };
      });
      input = {
        id: typeof o.id === 'string' && o.id !== '' ? o.id : undefined,
        matchers,
        startsAt: parseTime(o.startsAt, 'silence'),
        endsAt: parseTime(o.endsAt, 'silence'),
        createdBy: String(o.createdBy),
        comment: String(o.comment),
      };
    } catch (e) {
      return fail(reply, e);
    }
    if (input.startsAt >= input.endsAt) return text400(reply, 'Failed to create silence: start time must be before end time');
    if (input.endsAt < Date.now()) return text400(reply, "Failed to create silence: end time can't be in the past");
    let id: string;
    try {
      id = am.silences.set(input);
    } catch (e) {
      if (e instanceof SilenceError) return text400(reply, e.message, e.notFound ? 404 : 400);
      throw e;
    }
    return { silenceID: id };
  });
}

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { LogsLimits, Overrides } from '../../config/index.js';
import type { Matcher } from '../../model/index.js';
import { INGEST_LANE } from '../../lib/time-slice.js';
import { HttpError, resolveTenant, type TenancyOptions } from '../../server/index.js';
import { decodePushBodyRaw } from '../adapters/index.js';
import type { Distributor } from '../distributor/index.js';
import { admitted, type ConcurrencyGate } from '../../lib/worker-pool/index.js';
import { LogqlParseError, abortError, parseLogql, type LogqlQueries } from '../logql/index.js';
import type { LogQueryable } from '../model/index.js';
import { lokiErrorHandler } from './errors.js';
import { formatValue, queryResponse } from './format.js';
import { durationParam, goDuration, many, nowNs, one, rangeParams, timeParam, type Params } from './params.js';

export interface LogsApiDeps {
  store: LogQueryable;
  /** Flush the head to the object store (`POST /flush`). */
  flush(): Promise<void>;
  /** What runs `query`, `query_range` and `detected_fields`: the engine, or the engine in query workers. */
  queries: LogqlQueries;
  /** Admits `query`/`query_range` evaluations (Loki's `-querier.max-concurrent`); others wait. */
  gate: ConcurrencyGate;
  distributor: Distributor;
  tenancy: TenancyOptions;
  limits: Overrides<LogsLimits>;
}

function selectorMatchers(q: string): Matcher[] {
  const e = parseLogql(q);
  if (e.kind !== 'log') throw new LogqlParseError('only stream selectors are allowed here');
  return e.matchers;
}

export function registerLogsRoutes(app: FastifyInstance, d: LogsApiDeps): void {
  app.setErrorHandler(lokiErrorHandler);

  // ---- push: its own scope with a raw-body parser for every content type ----
  void app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
    const push = async (req: FastifyRequest, reply: FastifyReply) => {
      const tenant = resolveTenant(req.headers, d.tenancy);
      const body = (req.body as Buffer | undefined) ?? Buffer.alloc(0);
      // Decoding is one synchronous piece: take a turn of the ingest lane so concurrent pushes decode in turns.
      await INGEST_LANE.wait();
      const request = await decodePushBodyRaw(body, req.headers['content-type'], req.headers['content-encoding'] as string | undefined);
      await d.distributor.push(tenant, request);
      return reply.code(204).send();
    };
    scope.post('/loki/api/v1/push', push);
    scope.post('/api/prom/push', push);
  });

  // ---- everything else: parameters from the query string or a form body ----
  void app.register(async (scope) => {
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
      const out: Record<string, string | string[]> = {};
      for (const [k, v] of new URLSearchParams(body as string)) {
        const prev = out[k];
        out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
      }
      done(null, out);
    });
    const params = (req: FastifyRequest): Params => ({ ...(req.query as Params), ...((req.body as Params | undefined) ?? {}) });
    const both = (path: string, h: (req: FastifyRequest, reply: FastifyReply) => Promise<unknown>) => {
      scope.get(path, h);
      scope.post(path, h);
    };

    const checkLimit = (tenant: string, limit: number) => {
      const max = d.limits.forTenant(tenant).max_entries_limit_per_query;
      if (max > 0 && limit > max) throw new HttpError(400, 'bad_data', `max entries limit per query exceeded, limit > max_entries_limit_per_query (${limit} > ${max})`);
    };
    const checkLength = (tenant: string, start: bigint, end: bigint) => {
      const max = d.limits.forTenant(tenant).max_query_length;
      const len = Number((end - start) / 1_000_000n);
      if (max > 0 && len > max) throw new HttpError(400, 'bad_data', `the query time range exceeds the limit (query length: ${goDuration(len)}, limit: ${goDuration(max)})`);
    };
    const limitParam = (p: Params): number => {
      const v = one(p, 'limit');
      if (v === undefined || v === '') return 100;
      const n = Number(v);
      if (!Number.isInteger(n)) throw new HttpError(400, 'bad_data', `invalid limit parameter: strconv.ParseUint: parsing "${v}": invalid syntax`);
      if (n <= 0) throw new HttpError(400, 'bad_data', 'limit must be a positive value');
      return n;
    };
    const directionParam = (p: Params): 'forward' | 'backward' => {
      const v = (one(p, 'direction') ?? 'backward').toLowerCase();
      if (v !== 'forward' && v !== 'backward') throw new HttpError(400, 'bad_data', `invalid direction parameter: "${v}" is not a valid direction`);
      return v;
    };

    both('/loki/api/v1/query_range', async (req, reply) => {
      const tenant = resolveTenant(req.headers, d.tenancy);
      const p = params(req);
      const query = one(p, 'query') ?? '';
      const { start, end } = rangeParams(p);
      const limit = limitParam(p);
      const direction = directionParam(p);
      checkLimit(tenant, limit);
      checkLength(tenant, start, end);
      const rangeSec = Number((end - start) / 1_000_000n) / 1000;
      const stepMs = durationParam(p, 'step') ?? Math.max(1, Math.ceil(rangeSec / 250)) * 1000;
      if (stepMs <= 0) throw new HttpError(400, 'bad_data', 'zero or negative query resolution step widths are not accepted. Try a positive integer');
      if (rangeSec / (stepMs / 1000) > 11000) throw new HttpError(400, 'bad_data', 'exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)');
      const intervalMs = durationParam(p, 'interval');
      const r = await admitted(d.gate, reply, abortError, (signal) => d.queries.rangeQuery({ tenant, query, start, end, stepMs, intervalMs, limit, direction, signal }), d.limits.forTenant(tenant).query_timeout);
      return queryResponse(r, direction);
    });

    both('/loki/api/v1/query', async (req, reply) => {
      const tenant = resolveTenant(req.headers, d.tenancy);
      const p = params(req);
      const query = one(p, 'query') ?? '';
      const time = timeParam(p, 'time', nowNs());
      const limit = limitParam(p);
      const direction = directionParam(p);
      checkLimit(tenant, limit);
      const r = await admitted(d.gate, reply, abortError, (signal) => d.queries.instantQuery({ tenant, query, time, limit, direction, signal }), d.limits.forTenant(tenant).query_timeout);
      return queryResponse(r, direction);
    });

    const labels = async (req: FastifyRequest) => {
      const tenant = resolveTenant(req.headers, d.tenancy);
      const p = params(req);
      const { start, end } = rangeParams(p);
      const q = one(p, 'query');
      return { status: 'success', data: await d.store.labelNames(tenant, start, end, q ? selectorMatchers(q) : []) };
    };
    both('/loki/api/v1/labels', labels);
    both('/loki/api/v1/label', labels);
    both('/loki/api/v1/label/:name/values', async (req) => {
      const tenant = resolveTenant(req.headers, d.tenancy);
      const p = params(req);
      const { start, end } = rangeParams(p);
      const q = one(p, 'query');
      const name = (req.params as { name: string }).name;
      return { status: 'success', data: await d.store.labelValues(tenant, name, start, end, q ? selectorMatchers(q) : []) };
    });

    both('/loki/api/v1/series', async (req) => {
      const tenant = resolveTenant(req.headers, d.tenancy);
      const p = params(req);
      const { start, end } = rangeParams(p);
      const selectors = many(p, 'match');
      if (selectors.length === 0) throw new HttpError(400, 'bad_data', 'at least one matcher is required');
      const seen = new Map<string, Record<string, string>>();
      for (const s of selectors) {
        for (const l of await d.store.series(tenant, selectorMatchers(s), start, end)) seen.set(l.key(), l.toObject());
      }
      return { status: 'success', data: [...seen.values()] };
    });

    both('/loki/api/v1/index/stats', async (req) => {
      const tenant = resolveTenant(req.headers, d.tenancy);
      const p = params(req);
      const { start, end } = rangeParams(p);
      const s = await d.store.stats(tenant, selectorMatchers(one(p, 'query') ?? ''), start, end);
      return { streams: s.streams, chunks: s.chunks, entries: s.entries, bytes: s.bytes };
    });

    both('/loki/api/v1/index/volume', async (req) => {
      const tenant = resolveTenant(req.headers, d.tenancy);
      const p = params(req);
      const { start, end } = rangeParams(p);
      const matchers = selectorMatchers(one(p, 'query') ?? '');
      const target = (one(p, 'targetLabels') ?? '').split(',').filter(Boolean);
      const aggregateBy = one(p, 'aggregateBy') ?? 'series';
      const by = target.length ? target : matchers.map((m) => m.name);
      const acc = new Map<string, { metric: Record<string, string>; bytes: number }>();
      for (const s of await d.store.streamStats(tenant, matchers, start, end)) {
        const l = aggregateBy === 'labels' ? s.labels : s.labels.withOnly(...by);
        const k = l.key();
        const e = acc.get(k);
        if (e) e.bytes += s.bytes;
        else acc.set(k, { metric: l.toObject(), bytes: s.bytes });
      }
      const limit = Number(one(p, 'limit') ?? 100);
      const t = Number(end / 1_000_000n) / 1000;
      const result = [...acc.values()]
        .sort((a, b) => b.bytes - a.bytes)
        .slice(0, limit)
        .map((e) => ({ metric: e.metric, value: [t, formatValue(e.bytes)] }));
      return { status: 'success', data: { resultType: 'vector', result } };
    });

    both('/loki/api/v1/detected_fields', async (req, reply) => {
      const tenant = resolveTenant(req.headers, d.tenancy);
      const p = params(req);
      const { start, end } = rangeParams(p);
      const query = one(p, 'query') ?? '';
      const lineLimit = Number(one(p, 'line_limit') ?? 1000);
      // Its pipeline and the field detection run as a query does: admitted by the gate, in a worker if any.
      const fields = await admitted(d.gate, reply, abortError, (signal) => d.queries.detectedFields({ tenant, query, start, end, lineLimit, signal }), d.limits.forTenant(tenant).query_timeout);
      return { fields, limit: Number(one(p, 'limit') ?? 1000) };
    });

    scope.post('/flush', async (_req, reply) => {
      await d.flush();
      return reply.code(204).send();
    });
    scope.get('/loki/api/v1/status/buildinfo', async () => ({ version: '3.0.0-sightline', revision: '', branch: '', buildUser: '', buildDate: '', goVersion: '' }));
  });
}

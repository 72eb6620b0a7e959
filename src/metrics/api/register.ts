import { Readable } from 'node:stream';
import { createGzip, constants as zlibConstants } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { HttpError, processCorsOrigin, setCorsHeaders } from '../../server/index.js';
import { DEFAULT_INGEST_SLICE_MS, QUERY_LANE, TimeSlicer, slicedChunks } from '../../lib/time-slice.js';
import { PromqlError } from '../promql/types.js';
import { ApiError } from './api-error.js';
import { ConcurrencyGate } from '../../lib/worker-pool/index.js';
import type { PrometheusApiDeps, PrometheusApiOptions } from './deps.js';
import { alertmanagers, cleanTombstones, deleteSeries, snapshot, walReplay } from './admin-handlers.js';
import { queryExemplars } from './exemplars-handler.js';
import type { ApiResult, Handler } from './handler-context.js';
import { jsonString } from './json-encoding.js';
import { Params } from './params.js';
import { formatQuery, instantQuery, parseQuery, rangeQuery } from './query-handlers.js';
import { alerts, rules } from './rules-handlers.js';
import { labelNames, labelValues, series } from './series-handlers.js';
import { buildInfo, config, flags, metadata, runtimeInfo, tsdbStatus } from './status-handlers.js';
import { targetMetadata, targets } from './targets-handler.js';

const FORM = 'application/x-www-form-urlencoded';
/** Go's `net/http` maxFormSize: the largest urlencoded POST body `ParseForm` reads. */
const MAX_FORM_SIZE = 10 << 20;
const JSON_TYPE = 'application/json';

/** Whether an Accept-Encoding header allows gzip (listed without `q=0`). */
function acceptsGzip(header: string | string[] | undefined): boolean {
  if (header === undefined) return false;
  for (const part of String(header).split(',')) {
    const [name, ...params] = part.split(';').map((x) => x.trim().toLowerCase());
    if (name !== 'gzip' && name !== '*') continue;
    const q = params.find((x) => x.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  }
  return false;
}

/** `{"status":"error","errorType":...,"error":...}` with the type's status code. */
function errorBody(type: string, message: string): string {
  return `{"status":"error","errorType":${jsonString(type)},"error":${jsonString(message)}}`;
}

function toApiError(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  if (e instanceof HttpError) return new ApiError(e.type as ApiError['type'], e.message, e.status);
  if (e instanceof PromqlError) return new ApiError(e.type, e.message);
  return new ApiError('internal', e instanceof Error ? e.message : String(e));
}

function* successBody(result: ApiResult & { data: string | Iterable<string> }): Generator<string> {
  yield '{"status":"success","data":';
  if (typeof result.data === 'string') yield result.data;
  else yield* result.data;
  let tail = '';
  if (result.warnings && result.warnings.length > 0) tail += `,"warnings":[${result.warnings.map(jsonString).join(',')}]`;
  if (result.infos && result.infos.length > 0) tail += `,"infos":[${result.infos.map(jsonString).join(',')}]`;
  yield tail + '}';
}

/**
 * Mount Prometheus's HTTP API v1 on `app` under `opts.prefix` (default `/api/v1`; the Mimir role mounts it again
 * under `/prometheus/api/v1`). Same routes, JSON shapes, status codes and error messages as Prometheus 3.
 * Registration is a Fastify plugin (encapsulated, so its form parser does not leak into other routes); it is
 * loaded by `app.ready()`/`listen`.
 */
export function registerPrometheusApi(app: FastifyInstance, deps: PrometheusApiDeps, opts: PrometheusApiOptions = {}): void {
  const prefix = opts.prefix ?? '/api/v1';
  const gate = opts.gate ?? new ConcurrencyGate(opts.maxConcurrentQueries ?? 20);
  if (opts.registry) gate.registerMetrics(opts.registry);
  const queryTimeoutMs = opts.queryTimeoutMs ?? 120_000;
  const now = opts.now ?? Date.now;

  /** Prometheus's `httputil.SetCORS` with `--web.cors.origin` (this API's option, else the process's; none by default). */
  const setCors = (req: FastifyRequest, reply: FastifyReply) => setCorsHeaders(req, reply, opts.corsOrigin ?? processCorsOrigin());

  const handle = (handler: Handler) => async (req: FastifyRequest, reply: FastifyReply) => {
    setCors(req, reply);
    const ac = new AbortController();
    const onClose = () => {
      if (!reply.raw.writableFinished) ac.abort('canceled');
    };
    reply.raw.once('close', onClose);
    let result: ApiResult;
    try {
      const q = req.url.indexOf('?');
      const query = new URLSearchParams(q >= 0 ? req.url.slice(q + 1) : '');
      const body = req.body instanceof URLSearchParams ? req.body : undefined;
      const d = opts.resolveDeps ? await opts.resolveDeps(req) : deps;
      result = await handler({
        params: new Params(body, query),
        path: (req.params ?? {}) as Record<string, string>,
        deps: d,
        signal: ac.signal,
        now,
        gate,
        queryTimeoutMs,
      });
    } catch (e) {
      const err = toApiError(e);
      if (err.status >= 500) req.log.warn({ err: e, url: req.url }, 'Prometheus API error');
      return reply.code(err.status).type(JSON_TYPE).send(errorBody(err.type, err.message));
    }
    if (result.data === null) return reply.code(204).send();
    const data = result.data;
    reply.code(200).type(JSON_TYPE);
    const body = successBody({ ...result, data });
    // Rendered while it is sent (100k series are seconds of JSON), in chunks that take turns on the query lane.
    const stream = () => Readable.from(slicedChunks(body, new TimeSlicer(DEFAULT_INGEST_SLICE_MS, 64, QUERY_LANE)), { objectMode: false });
    // Like Prometheus's CompressionHandler: gzip when the client accepts it; streamed either way.
    if (acceptsGzip(req.headers['accept-encoding'])) {
      reply.header('content-encoding', 'gzip');
      return reply.send(stream().pipe(createGzip({ level: zlibConstants.Z_BEST_SPEED })));
    }
    if (typeof data === 'string') return reply.send([...body].join(''));
    return reply.send(stream());
  };

  app.register(
    async (scope) => {
      // Go's ParseForm reads url-encoded bodies and ignores any other body; so do we (no 415, no JSON parsing).
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser(FORM, { parseAs: 'string' }, (_req, body, done) => {
        // Go's ParseForm limit: a larger form is refused before it is parsed (parsing 10 MB holds the loop ~0.3 s).
        if ((body as string).length > MAX_FORM_SIZE) return done(Object.assign(new Error('http: POST too large'), { statusCode: 400 }), undefined);
        done(null, new URLSearchParams(body as string));
      });
      scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, _body, done) => done(null, undefined));
      scope.setErrorHandler((e: Error & { statusCode?: number }, _req, reply) => {
        const status = e.statusCode && e.statusCode >= 400 && e.statusCode < 500 ? e.statusCode : 500;
        void reply
          .code(status)
          .type(JSON_TYPE)
          .send(errorBody(status === 500 ? 'internal' : 'bad_data', `error parsing form values: ${e.message}`));
      });
      const getPost = (path: string, h: Handler) => {
        scope.get(path, handle(h));
        scope.post(path, handle(h));
      };
      if (opts.rulesOnly) {
        scope.get('/rules', handle(rules));
        scope.get('/alerts', handle(alerts));
        scope.setNotFoundHandler((_req, reply) => reply.code(404).type('text/plain').send('404 page not found\n'));
        return;
      }
      getPost('/query', instantQuery);
      getPost('/query_range', rangeQuery);
      getPost('/query_exemplars', queryExemplars);
      getPost('/format_query', formatQuery);
      getPost('/parse_query', parseQuery);
      getPost('/series', series);
      getPost('/labels', labelNames);
      scope.get('/label/:name/values', handle(labelValues));
      scope.get('/metadata', handle(metadata));
      scope.get('/targets', handle(targets));
      scope.get('/targets/metadata', handle(targetMetadata));
      scope.get('/rules', handle(rules));
      scope.get('/alerts', handle(alerts));
      scope.get('/status/buildinfo', handle(buildInfo));
      scope.get('/status/config', handle(config));
      scope.get('/status/flags', handle(flags));
      scope.get('/status/runtimeinfo', handle(runtimeInfo));
      scope.get('/status/tsdb', handle(tsdbStatus));
      scope.get('/status/walreplay', handle(walReplay));
      scope.get('/alertmanagers', handle(alertmanagers));
      scope.post('/admin/tsdb/snapshot', handle(snapshot));
      scope.put('/admin/tsdb/snapshot', handle(snapshot));
      scope.post('/admin/tsdb/delete_series', handle(deleteSeries));
      scope.put('/admin/tsdb/delete_series', handle(deleteSeries));
      scope.post('/admin/tsdb/clean_tombstones', handle(cleanTombstones));
      scope.put('/admin/tsdb/clean_tombstones', handle(cleanTombstones));
      scope.options('/*', async (req, reply) => {
        setCors(req, reply);
        return reply.code(204).send();
      });
      scope.setNotFoundHandler((_req, reply) => reply.code(404).type('text/plain').send('404 page not found\n'));
    },
    { prefix },
  );
}

/** What the rules-only API reads: the rule groups and alerts (of the request's tenant). */
export type RulesApiDeps = Pick<PrometheusApiDeps, 'rules' | 'alerts'>;

/**
 * Only `/rules` and `/alerts` of Prometheus's API, same JSON and filters, under `prefix` (the Loki and Mimir rulers'
 * `/prometheus/api/v1`). `resolve` may throw an `HttpError` (401 "no org id").
 */
export function registerRulesApi(app: FastifyInstance, prefix: string, resolve: (req: FastifyRequest) => RulesApiDeps): void {
  // Only the rules and alerts handlers are mounted; they read nothing but `rules` and `alerts`.
  const only = (req: FastifyRequest) => resolve(req) as PrometheusApiDeps;
  registerPrometheusApi(app, {} as PrometheusApiDeps, { prefix, rulesOnly: true, resolveDeps: only });
}

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { RegexSyntaxError } from '../../lib/regex/index.js';
import { HttpError, resolveTenant, type TenancyOptions } from '../../server/index.js';
import { encodeTracesData, resourceSpansToJson } from '../../otlp/index.js';
import { DistinctTagValues, buildTraceView, groupEntries, normalizeTraceId, type SpanEntry, type TraceQueryable } from '../model/index.js';
import { TraceqlCanceledError, TraceqlLimitError, TraceqlParseError, TraceqlTimeoutError, parseTraceql, parseTraceqlDuration, traceqlAbortError, type TagValue, type TraceqlQueries, type TraceqlQuery } from '../traceql/index.js';
import { ConcurrencyGate, admitted } from '../../lib/worker-pool/index.js';
import { version } from '../../lib/version.js';

export interface TempoApiOptions {
  store: TraceQueryable;
  tenancy: TenancyOptions;
  search: {
    defaultLimit: number;
    maxLimit: number;
    defaultSpss: number;
    /** Largest `spss` a search may ask for (0 = unlimited): Tempo's `max_spans_per_span_set`. */
    maxSpss: number;
    /** Largest search time range of a tenant in ms (0 = unlimited): its `max_search_duration` override. */
    maxDurationMs: (tenant: string) => number;
  };
  /** Cut the head into blocks now (`/flush`). */
  flush(): Promise<void>;
  /** What evaluates TraceQL searches, metrics queries and filtered tag values: on this thread, or in query workers. */
  traceql: TraceqlQueries;
  /** Admits TraceQL evaluations (Tempo's querier `max_concurrent_queries`); others wait. Default: no limit. */
  gate?: ConcurrencyGate;
  /**
   * Deadline of every query and lookup from its arrival (`traces.query.timeout`, 0 = none): past it the work stops
   * (at its next trace or block, on this thread or in a worker) and the API answers 504.
   */
  timeoutMs: number;
  /** A tenant's `max_bytes_per_trace` (0 = unlimited): trace-by-ID gathers no more of a trace. */
  maxBytesPerTrace: (tenant: string) => number;
  /** A tenant's `max_bytes_per_tag_values_query` (0 = unlimited): tag-values lookups stop collecting there. */
  maxBytesPerTagValuesQuery: (tenant: string) => number;
}

type Query = Record<string, string | undefined>;

const INTRINSIC_TAGS = ['duration', 'event:name', 'instrumentation:name', 'instrumentation:version', 'kind', 'link:spanID', 'link:traceID', 'name', 'rootName', 'rootServiceName', 'span:id', 'span:parentID', 'status', 'statusMessage', 'trace:id', 'traceDuration'];

function badRequest(msg: string): HttpError {
  return new HttpError(400, 'bad_request', msg);
}

function parseQuery(q: string): TraceqlQuery {
  try {
    return parseTraceql(q);
  } catch (e) {
    if (e instanceof TraceqlParseError) throw badRequest(`invalid TraceQL query: ${e.message}`);
    throw e;
  }
}

function hasMetricsStage(stages: TraceqlQuery['stages']): boolean {
  return stages.some((s) => s.type === 'metrics' || (s.type === 'spansetOp' && (hasMetricsStage(s.left) || hasMetricsStage(s.right))));
}

function durationParam(q: Query, name: string): number | undefined {
  const v = q[name];
  if (v === undefined || v === '') return undefined;
  try {
    return parseTraceqlDuration(v);
  } catch {
    throw badRequest(`invalid ${name} value: ${JSON.stringify(v)}`);
  }
}

function intParam(q: Query, name: string): number | undefined {
  const v = q[name];
  if (v === undefined || v === '') return undefined;
  if (!/^\d+$/.test(v)) throw badRequest(`invalid ${name}: ${JSON.stringify(v)}`);
  return Number(v);
}

/** Tempo's logfmt `tags` parameter (`service.name=foo http.status_code=500`) as a TraceQL spanset filter. */
export function tagsToTraceql(tags: string): string {
  const conds: string[] = [];
  const re = /\s*([^\s=]+)=("(?:[^"\\]|\\.)*"|\S*)/gy;
  let m: RegExpExecArray | null;
  let pos = 0;
  while ((m = re.exec(tags)) !== null) {
    pos = re.lastIndex;
    const key = m[1];
    const raw = m[2].startsWith('"') ? (JSON.parse(m[2]) as string) : m[2];
    const field = key === 'name' || key === 'status' || key === 'kind' ? key : `.${/^[\w.:/-]+$/.test(key) ? key : JSON.stringify(key)}`;
    if (key === 'status' || key === 'kind') conds.push(`${key} = ${raw}`);
    else if (/^-?\d+(\.\d+)?$/.test(raw)) conds.push(`(${field} = ${raw} || ${field} = ${JSON.stringify(raw)})`);
    else if (raw === 'true' || raw === 'false') conds.push(`(${field} = ${raw} || ${field} = ${JSON.stringify(raw)})`);
    else conds.push(`${field} = ${JSON.stringify(raw)}`);
  }
  if (tags.slice(pos).trim() !== '') throw badRequest(`invalid tags: ${JSON.stringify(tags)}`);
  return `{ ${conds.join(' && ')} }`;
}

function timeRange(q: Query, maxDurationMs: number): { startMs: number; endMs: number } {
  const start = intParam(q, 'start');
  const end = intParam(q, 'end');
  if (start !== undefined && end !== undefined) {
    if (end < start) throw badRequest(`invalid start and end: end (${end}) is before start (${start})`);
    if (maxDurationMs > 0 && (end - start) * 1000 > maxDurationMs) {
      throw badRequest(`range specified by start and end exceeds ${maxDurationMs / 3600_000}h0m0s. received start=${start} end=${end}`);
    }
  }
  return { startMs: start !== undefined ? start * 1000 : 0, endMs: end !== undefined ? end * 1000 + 999 : Number.MAX_SAFE_INTEGER };
}

/** Split a v2 tag name (`resource.service.name`, `span.http.method`, `.foo`, `name`) into scope and key. */
function scopedTag(tag: string): { scope: 'span' | 'resource' | 'any' | 'intrinsic'; key: string } {
  if (tag.startsWith('resource.')) return { scope: 'resource', key: tag.slice(9) };
  if (tag.startsWith('span.')) return { scope: 'span', key: tag.slice(5) };
  if (tag.startsWith('.')) return { scope: 'any', key: tag.slice(1) };
  if (INTRINSIC_TAGS.includes(tag)) return { scope: 'intrinsic', key: tag };
  return { scope: 'any', key: tag };
}

const STATIC_INTRINSIC_VALUES: Record<string, { type: string; value: string }[]> = {
  status: ['error', 'ok', 'unset'].map((value) => ({ type: 'keyword', value })),
  kind: ['client', 'consumer', 'internal', 'producer', 'server', 'unspecified'].map((value) => ({ type: 'keyword', value })),
};

/** The Tempo HTTP API (port 3200) with Tempo's response shapes. Errors are plain text, as Tempo writes them. */
export function registerTempoApi(app: FastifyInstance, opts: TempoApiOptions): void {
  const { store } = opts;
  const { traceql, timeoutMs } = opts;
  const gate = opts.gate ?? new ConcurrencyGate(Infinity);
  // Lookups that read no TraceQL (by ID, tag names and values) wait for no slot, but have the same deadline.
  const ungated = new ConcurrencyGate(Infinity);
  const lookup = <T>(reply: FastifyReply, run: (signal: AbortSignal) => Promise<T>) => admitted(ungated, reply, traceqlAbortError, run, timeoutMs);
  const tenant = (req: FastifyRequest) => resolveTenant(req.headers, opts.tenancy);

  app.setErrorHandler((err, req, reply) => {
    if (err instanceof HttpError) return reply.code(err.status).type('text/plain; charset=utf-8').send(err.message + '\n');
    // A query in a worker: past its deadline, its client gone, or past the worker's heap limit.
    if (err instanceof TraceqlTimeoutError) return reply.code(504).type('text/plain; charset=utf-8').send(err.message + '\n');
    if (err instanceof TraceqlCanceledError) return reply.code(499).type('text/plain; charset=utf-8').send(err.message + '\n');
    if (err instanceof TraceqlLimitError) return reply.code(400).type('text/plain; charset=utf-8').send(err.message + '\n');
    // A TraceQL `=~` pattern that is not RE2 is found when the query is compiled for a search: the client's fault.
    if (err instanceof RegexSyntaxError) return reply.code(400).type('text/plain; charset=utf-8').send(`invalid TraceQL query: ${err.message}\n`);
    const e = err as Error & { statusCode?: number };
    if (e.statusCode && e.statusCode < 500) return reply.code(e.statusCode).type('text/plain; charset=utf-8').send(e.message + '\n');
    req.log.error({ err }, 'request failed');
    return reply.code(500).type('text/plain; charset=utf-8').send(`${e.message}\n`);
  });

  app.get('/api/echo', async (_req, reply) => reply.type('text/plain').send('echo'));
  app.get('/api/status/buildinfo', async () => ({ version: version(), revision: '', branch: '', buildUser: '', buildDate: '', goVersion: '' }));
  const flush = async (_req: FastifyRequest, reply: FastifyReply) => {
    await opts.flush();
    return reply.code(204).send();
  };
  app.get('/flush', flush);
  app.post('/flush', flush);

  const traceById = (v2: boolean) => async (req: FastifyRequest, reply: FastifyReply) => {
    const t = tenant(req);
    const raw = (req.params as { id: string }).id;
    const id = normalizeTraceId(raw);
    if (!id) throw badRequest(`invalid TraceID: ${JSON.stringify(raw)}`);
    const q = req.query as Query;
    const maxBytes = opts.maxBytesPerTrace(t);
    const result = await lookup(reply, (signal) => store.lookupTrace(t, id, { signal, maxBytes }));
    let found: SpanEntry[] | undefined = result?.entries;
    if (found && found.length > 0 && (q.start || q.end)) {
      const { startMs, endMs } = timeRange(q, 0);
      const view = buildTraceView(id, found);
      if (view.startMs > endMs || view.startMs + view.durationNs / 1e6 < startMs) found = undefined;
    }
    if (!found) throw new HttpError(404, 'not_found', `trace not found: ${id}`);
    // Over max_bytes_per_trace: Tempo's v1 endpoint fails (its query frontend answers 500), v2 answers the part
    // that fits with status PARTIAL.
    const partial = result!.partial;
    if (partial && !v2) throw new HttpError(500, 'internal', `trace exceeds max size (max bytes: ${maxBytes})`);
    const message = partial ? `Trace exceeds maximum size of ${maxBytes} bytes, a partial trace is returned` : '';
    const rs = groupEntries(found);
    const accept = String(req.headers.accept ?? '');
    if (accept.includes('application/protobuf') || accept.includes('application/x-protobuf')) {
      const trace = Buffer.from(encodeTracesData(rs));
      if (!v2) return reply.type('application/protobuf').send(trace);
      // tempopb.TraceByIDResponse { Trace trace = 1; ...; PartialStatus status = 3; string message = 4 }.
      const parts = [lengthDelimitedHeader(1, trace.length), trace];
      if (partial) {
        const msg = Buffer.from(message);
        parts.push(Buffer.from([3 << 3, 1]), lengthDelimitedHeader(4, msg.length), msg);
      }
      return reply.type('application/protobuf').send(Buffer.concat(parts));
    }
    const json = resourceSpansToJson(rs);
    if (!v2) return reply.type('application/json').send({ batches: json });
    return reply.type('application/json').send(partial ? { trace: { resourceSpans: json }, status: 'PARTIAL', message } : { trace: { resourceSpans: json } });
  };
  app.get('/api/traces/:id', traceById(false));
  app.get('/api/v2/traces/:id', traceById(true));

  app.get('/api/search', async (req, reply) => {
    const t = tenant(req);
    const q = req.query as Query;
    let traceqlText = q.q;
    if ((traceqlText === undefined || traceqlText.trim() === '') && q.tags) traceqlText = tagsToTraceql(q.tags);
    if (traceqlText === undefined || traceqlText.trim() === '') traceqlText = '{}';
    const query = parseQuery(traceqlText);
    if (hasMetricsStage(query.stages)) throw badRequest('invalid TraceQL query: metrics functions like rate() are only supported by /api/metrics/query_range and /api/metrics/query');
    const limitRaw = intParam(q, 'limit') ?? opts.search.defaultLimit;
    const limit = limitRaw === 0 ? opts.search.defaultLimit : opts.search.maxLimit > 0 ? Math.min(limitRaw, opts.search.maxLimit) : limitRaw;
    const spss = intParam(q, 'spss') ?? opts.search.defaultSpss;
    if (opts.search.maxSpss > 0 && spss > opts.search.maxSpss) throw badRequest(`spans per span set exceeds ${opts.search.maxSpss}. received ${spss}`);
    const minDurationNs = durationParam(q, 'minDuration');
    const maxDurationNs = durationParam(q, 'maxDuration');
    if (minDurationNs !== undefined && maxDurationNs !== undefined && maxDurationNs < minDurationNs) {
      throw badRequest('invalid maxDuration: must be greater than minDuration');
    }
    const { startMs, endMs } = timeRange(q, opts.search.maxDurationMs(t));
    return admitted(gate, reply, traceqlAbortError, (signal) => traceql.search({ tenant: t, query, q: traceqlText, startMs, endMs, limit, spansPerSpanSet: spss, minDurationNs, maxDurationNs }, signal), timeoutMs);
  });

  /** Tempo accepts start/end as unix seconds, nanoseconds or RFC 3339. Returns ms. */
  const timeParam = (q: Query, name: string, dflt: number): number => {
    const v = q[name];
    if (v === undefined || v === '') return dflt;
    if (/^\d+$/.test(v)) return v.length > 13 ? Number(BigInt(v) / 1_000_000n) : v.length > 10 ? Number(v) : Number(v) * 1000;
    if (/^\d+\.\d+$/.test(v)) return Math.round(Number(v) * 1000);
    const t = Date.parse(v);
    if (Number.isNaN(t)) throw badRequest(`invalid ${name}: ${JSON.stringify(v)}`);
    return t;
  };
  const metricsQuery = async (req: FastifyRequest, reply: FastifyReply, instant: boolean) => {
    const t = tenant(req);
    const q = req.query as Query;
    if (!q.q) throw badRequest('invalid TraceQL query: q is required');
    const query = parseQuery(q.q);
    const endMs = timeParam(q, 'end', Date.now());
    const startMs = timeParam(q, 'start', endMs - 3600_000);
    if (endMs <= startMs) throw badRequest('invalid start and end: end must be after start');
    let stepMs = instant ? endMs - startMs : (durationParam(q, 'step') ?? 0) / 1e6;
    if (!stepMs) stepMs = Math.max(1000, Math.ceil((endMs - startMs) / 100 / 1000) * 1000);
    try {
      const res = await admitted(gate, reply, traceqlAbortError, (signal) => traceql.metrics({ tenant: t, query, q: q.q!, startMs, endMs, stepMs, align: !instant }, signal), timeoutMs);
      if (!instant) return { ...res, metrics: { inspectedBytes: '0' } };
      return { series: res.series.map((s) => ({ labels: s.labels, promLabels: s.promLabels, value: s.samples.reduce((a, x) => a + x.value, 0) })) };
    } catch (e) {
      if (e instanceof TraceqlParseError) throw badRequest(`invalid TraceQL query: ${e.message}`);
      throw e;
    }
  };
  app.get('/api/metrics/query_range', (req, reply) => metricsQuery(req, reply, false));
  app.get('/api/metrics/query', (req, reply) => metricsQuery(req, reply, true));

  app.get('/api/search/tags', async (req, reply) => {
    const t = tenant(req);
    const scope = (req.query as Query).scope ?? 'all';
    const names = await lookup(reply, (signal) => store.tagNames(t, { signal }));
    const out = new Set<string>();
    if (scope === 'all' || scope === 'span') names.span.forEach((n) => out.add(n));
    if (scope === 'all' || scope === 'resource') names.resource.forEach((n) => out.add(n));
    return { tagNames: [...out].sort() };
  });

  app.get('/api/v2/search/tags', async (req, reply) => {
    const t = tenant(req);
    const scope = (req.query as Query).scope ?? 'all';
    if (!['all', 'span', 'resource', 'intrinsic', 'event', 'link', 'instrumentation', ''].includes(scope)) throw badRequest(`invalid scope: ${scope}`);
    const names = await lookup(reply, (signal) => store.tagNames(t, { signal }));
    const scopes: { name: string; tags: string[] }[] = [];
    if (scope === 'all' || scope === '' || scope === 'span') scopes.push({ name: 'span', tags: names.span });
    if (scope === 'all' || scope === '' || scope === 'resource') scopes.push({ name: 'resource', tags: names.resource });
    if (scope === 'all' || scope === '' || scope === 'intrinsic') scopes.push({ name: 'intrinsic', tags: INTRINSIC_TAGS });
    return { scopes };
  });

  // Tag values are collected until max_bytes_per_tag_values_query, as Tempo's querier and combiner do: the values
  // found before the limit are the answer, 200 and no error (Tempo logs it; so does this).
  const partialWarning = (req: FastifyRequest, tenant: string, tag: string, into: DistinctTagValues) => {
    if (into.exceeded) req.log.warn({ tenant, tag, maxBytes: into.maxBytes, bytes: into.size }, 'size of tag values exceeded limit, reduce cardinality or size of tags');
  };

  app.get('/api/search/tag/:tag/values', async (req, reply) => {
    const t = tenant(req);
    const tag = (req.params as { tag: string }).tag;
    const into = new DistinctTagValues(opts.maxBytesPerTagValuesQuery(t), 'v1');
    await lookup(reply, (signal) => store.tagValues(t, 'any', tag, into, { signal }));
    partialWarning(req, t, tag, into);
    return { tagValues: into.values().map((v) => v.value).sort() };
  });

  app.get('/api/v2/search/tag/:tag/values', async (req, reply) => {
    const t = tenant(req);
    const tag = (req.params as { tag: string }).tag;
    const q = req.query as Query;
    const { scope, key } = scopedTag(tag);
    const maxBytes = opts.maxBytesPerTagValuesQuery(t);
    let values: TagValue[];
    const filter = q.q && q.q.trim() !== '' && q.q.replace(/\s/g, '') !== '{}' ? parseQuery(q.q) : undefined;
    if (filter) {
      // Values among spans of traces matching the query: TraceQL, evaluated as a search is (in a query worker).
      const { startMs, endMs } = timeRange(q, opts.search.maxDurationMs(t));
      const field = scope === 'intrinsic' ? key : tag.startsWith('.') || scope !== 'any' ? tag : '.' + tag;
      parseQuery(`{ ${field} != nil }`); // a tag TraceQL cannot name is the client's error (400) before any work
      values = await admitted(gate, reply, traceqlAbortError, (signal) => traceql.tagValues({ tenant: t, query: filter, q: q.q!, field, startMs, endMs, maxBytes }, signal), timeoutMs);
    } else if (scope === 'intrinsic' && !(key === 'name' || key === 'rootServiceName')) {
      values = STATIC_INTRINSIC_VALUES[key] ?? [];
    } else {
      const into = new DistinctTagValues(maxBytes, 'v2');
      if (scope === 'intrinsic') await lookup(reply, (signal) => store.intrinsicValues(t, key === 'name' ? 'name' : 'service', into, { signal }));
      else await lookup(reply, (signal) => store.tagValues(t, scope, key, into, { signal }));
      partialWarning(req, t, tag, into);
      values = into.values();
    }
    values.sort((a, b) => (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
    return { tagValues: values, metrics: { inspectedBytes: '0' } };
  });
}

function lengthDelimitedHeader(field: number, len: number): Buffer {
  const bytes = [(field << 3) | 2];
  let v = len;
  while (v > 0x7f) {
    bytes.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  bytes.push(v);
  return Buffer.from(bytes);
}

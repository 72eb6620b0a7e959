import { availableParallelism } from 'node:os';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { goDuration } from '../../lib/duration.js';

/**
 * Alertmanager 0.25's HTTP layer around its API: a limit on concurrent GET requests (`--web.get-concurrency`,
 * 0 = GOMAXPROCS or 8, whichever is larger; 503 when reached), a per-request timeout (`--web.timeout`, 0 = none;
 * 503 when exceeded), and its HTTP metrics. Without a timeout a GET holds its slot until its answer is written;
 * with one, until its answer is produced (Go's TimeoutHandler buffers it outside the limit). Like Alertmanager's,
 * the duration and response-size histograms carry a `handler` label only for the routes of its router
 * (`/-/healthy`, `/-/ready`, `/-/reload`, `/metrics`, `/`); the API v2 goes through the limit but is not
 * instrumented there.
 */
export interface WebLimits {
  /** Maximum concurrent GETs; 0 or negative: the number of CPUs, at least 8. */
  getConcurrency: number;
  /** Per-request timeout in ms; 0 or negative: none. */
  timeoutMs: number;
}

const INSTRUMENTED = new Set(['/', '/-/healthy', '/-/ready', '/-/reload', '/metrics']);
const TEXT = 'text/plain; charset=utf-8';

/** Alertmanager's effective GET concurrency for a `--web.get-concurrency` value. */
export function effectiveGetConcurrency(flag: number): number {
  return flag >= 1 ? flag : Math.max(availableParallelism(), 8);
}

interface RequestState {
  start: number;
  timer?: NodeJS.Timeout;
  /** Gives back a GET's slot (once). */
  release?: () => void;
}

/** Installs the limit, the timeout and the metrics on the Alertmanager listener (before its routes' own hooks). */
export function installWebLimits(app: FastifyInstance, registry: Registry, limits: WebLimits): void {
  const concurrency = effectiveGetConcurrency(limits.getConcurrency);
  const duration = new Histogram({
    name: 'alertmanager_http_request_duration_seconds',
    help: 'Histogram of latencies for HTTP requests.',
    labelNames: ['handler', 'method'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 0.75, 1, 2, 5, 20, 60],
    registers: [registry],
  });
  const size = new Histogram({
    name: 'alertmanager_http_response_size_bytes',
    help: 'Histogram of response size for HTTP requests.',
    labelNames: ['handler', 'method'] as const,
    buckets: [100, 1000, 10_000, 100_000, 1e6, 1e7, 1e8],
    registers: [registry],
  });
  const inFlight = new Gauge({ name: 'alertmanager_http_requests_in_flight', help: 'Current number of HTTP requests being processed.', labelNames: ['method'] as const, registers: [registry] });
  const exceeded = new Counter({
    name: 'alertmanager_http_concurrency_limit_exceeded_total',
    help: 'Total number of times an HTTP request failed because the concurrency limit was reached.',
    labelNames: ['method'] as const,
    registers: [registry],
  });
  inFlight.set({ method: 'get' }, 0);
  exceeded.inc({ method: 'get' }, 0);
  let gets = 0;
  const states = new WeakMap<FastifyRequest, RequestState>();

  const refuse = (reply: FastifyReply, message: string) => {
    // Written on the raw response: the request may still be in Fastify's pipeline (a body arriving).
    const res = reply.raw;
    if (res.headersSent) return;
    reply.hijack();
    res.writeHead(503, { 'content-type': TEXT, 'x-content-type-options': 'nosniff', 'content-length': Buffer.byteLength(message) });
    res.end(message);
  };

  app.addHook('onRequest', async (req, reply) => {
    const state: RequestState = { start: performance.now() };
    states.set(req, state);
    if (req.method === 'GET') {
      if (gets >= concurrency) {
        exceeded.inc({ method: 'get' });
        // Go's http.Error adds a newline to a message that already ends in one.
        refuse(reply, `Limit of concurrent GET requests reached (${concurrency}), try again later.\n\n`);
        return;
      }
      gets++;
      inFlight.inc({ method: 'get' });
      let held = true;
      state.release = () => {
        if (!held) return;
        held = false;
        gets--;
        inFlight.dec({ method: 'get' });
      };
      reply.raw.once('close', state.release);
    }
    if (limits.timeoutMs > 0) {
      state.timer = setTimeout(() => refuse(reply, `Exceeded configured timeout of ${goDuration(limits.timeoutMs)}.\n`), limits.timeoutMs);
      reply.raw.once('close', () => clearTimeout(state.timer));
    }
  });

  if (limits.timeoutMs > 0) {
    // With a timeout, Go's http.TimeoutHandler wraps the limiter and buffers the answer: the slot is given back
    // once the answer is produced, before it is written, so a client that does not read it holds no slot.
    app.addHook('onSend', async (req) => {
      states.get(req)?.release?.();
    });
  }

  app.addHook('onResponse', async (req, reply) => {
    const handler = req.routeOptions.url;
    const state = states.get(req);
    if (!state || handler === undefined || !INSTRUMENTED.has(handler)) return;
    const labels = { handler, method: req.method.toLowerCase() };
    duration.observe(labels, (performance.now() - state.start) / 1000);
    size.observe(labels, Number(reply.getHeader('content-length') ?? 0));
  });
}

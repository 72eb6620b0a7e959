import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/**
 * Prometheus's own web pages on its listener, mapped to the web UI's pages that show the same thing. Prometheus
 * redirects `/` to `/query` (`/graph` before 3.0) and serves its Targets, Rules, Alerts and Status pages there;
 * Sightline's are in the web UI, so these paths redirect to it.
 */
const PAGES: Record<string, string> = {
  '/': '/explore?ds=prometheus',
  '/graph': '/explore?ds=prometheus',
  '/query': '/explore?ds=prometheus',
  '/targets': '/prometheus/targets',
  '/service-discovery': '/prometheus/service-discovery',
  '/rules': '/prometheus/rules',
  '/alerts': '/prometheus/alerts',
  '/status': '/prometheus/status',
  '/config': '/prometheus/config',
  '/flags': '/prometheus/flags',
  '/tsdb-status': '/prometheus/tsdb-status',
};

/** The API endpoints listed on the page answered when no web UI runs in the process. */
const ENDPOINTS: Array<[string, string]> = [
  ['/api/v1/query', 'instant query (GET or POST, query=, time=)'],
  ['/api/v1/query_range', 'range query (query=, start=, end=, step=)'],
  ['/api/v1/series', 'series by matchers (match[]=)'],
  ['/api/v1/labels', 'label names'],
  ['/api/v1/targets', 'scrape targets and their health'],
  ['/api/v1/rules', 'recording and alerting rules'],
  ['/api/v1/alerts', 'active alerts'],
  ['/api/v1/status/config', 'the loaded configuration'],
  ['/api/v1/status/flags', 'command-line flags'],
  ['/api/v1/status/tsdb', 'head block cardinality'],
  ['/api/v1/status/runtimeinfo', 'runtime information'],
  ['/api/v1/status/buildinfo', 'version'],
  ['/api/v1/write', 'remote-write receiver (POST)'],
  ['/federate', 'federation (match[]=)'],
  ['/metrics', 'Sightline\'s own metrics'],
  ['/-/healthy', 'liveness'],
  ['/-/ready', 'readiness'],
];

function apiPage(): string {
  const rows = ENDPOINTS.map(([path, what]) => `<li><a href="${path}"><code>${path}</code></a> — ${what}</li>`).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sightline — Prometheus API</title></head>
<body>
<h1>Sightline — Prometheus API</h1>
<p>This listener serves Prometheus's HTTP API. The web UI (graphs, targets, rules, alerts) is not running in this process;
start it with <code>--target all</code> or <code>--target ui</code>.</p>
<ul>
${rows}
</ul>
</body></html>
`;
}

export interface WebPagesOptions {
  /** The web UI's port when it runs in this process (looked up per request: the UI starts after this listener). */
  uiPort: () => number | undefined;
  /** The UI's configured listen host; a wildcard or loopback bind means "the host the client used". */
  uiHost?: string;
}

/** The host part of a redirect to the UI: the client's host when the UI listens on every or a loopback address. */
function redirectHost(req: FastifyRequest, uiHost: string | undefined): string {
  const bound = uiHost ?? '';
  if (bound === '' || bound === '0.0.0.0' || bound === '::' || bound === '[::]' || bound === 'localhost' || /^127\./.test(bound) || bound === '::1' || bound === '[::1]') return req.hostname;
  return bound.includes(':') && !bound.startsWith('[') ? `[${bound}]` : bound;
}

/**
 * `GET /` and Prometheus's page paths: a 302 to the web UI's page when the UI runs in this process, else a small
 * HTML page (200) naming the API endpoints.
 */
export function registerWebPages(app: FastifyInstance, opts: WebPagesOptions): void {
  for (const [path, target] of Object.entries(PAGES)) {
    app.get(path, async (req: FastifyRequest, reply: FastifyReply) => {
      const port = opts.uiPort();
      if (port === undefined) return reply.code(200).type('text/html; charset=utf-8').send(apiPage());
      let location = target;
      // a Prometheus graph link (`/graph?g0.expr=...`) keeps its expression
      const expr = (req.query as Record<string, unknown>)['g0.expr'];
      if (target.startsWith('/explore') && typeof expr === 'string' && expr !== '') location += `&expr=${encodeURIComponent(expr)}`;
      return reply.redirect(`${req.protocol}://${redirectHost(req, opts.uiHost)}:${port}${location}`, 302);
    });
  }
}

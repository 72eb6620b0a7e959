/**
 * The API paths a non-Admin may reach through the datasource proxy: the read and query endpoints Grafana's
 * Prometheus, Loki and Tempo datasources use. Write and admin endpoints (`/api/v1/admin/*`, remote write, push,
 * `/-/quit`, `/flush`, ...) are Admin-only, so a Viewer cannot change or delete data through the UI's credentials.
 */
const READ_PATHS: Record<string, RegExp> = {
  prometheus:
    /^api\/v1\/(query|query_range|query_exemplars|series|labels|label\/[^/]+\/values|metadata|targets|targets\/metadata|rules|alerts|status\/(buildinfo|runtimeinfo|config|flags|tsdb)|format_query|parse_query)$/,
  loki: /^(prometheus\/api\/v1\/(rules|alerts)|loki\/api\/v1\/(query|query_range|labels|label\/[^/]+\/values|series|index\/stats|index\/volume|index\/volume_range|patterns|detected_fields|detected_labels|detected_field\/[^/]+\/values|format_query|tail)|loki\/api\/v1\/status\/buildinfo|ready)$/,
  tempo: /^(api\/(traces\/[^/]+|v2\/traces\/[^/]+|search|search\/tags|v2\/search\/tags|search\/tag\/[^/]+\/values|v2\/search\/tag\/[^/]+\/values|echo|metrics\/query|metrics\/query_range|status\/buildinfo)|ready)$/,
};

/** Alertmanager's API v2 reads; only GET reaches them (a POST to `api/v2/alerts` would inject alerts). */
const ALERTMANAGER_READS = /^(api\/v2\/(alerts|alerts\/groups|silences|silence\/[^/]+|status|receivers)|-\/ready|-\/healthy)$/;
/** What an Editor may change through an Alertmanager datasource: silences (Grafana lets Editors create and expire them). */
const ALERTMANAGER_EDITS: [string, RegExp][] = [
  ['POST', /^api\/v2\/silences$/],
  ['DELETE', /^api\/v2\/silence\/[^/]+$/],
];

/** The lowest role that may send `method` to `subPath` of a datasource of this type through the proxy. */
export function proxyRole(type: string, method: string, subPath: string): 'Viewer' | 'Editor' | 'Admin' {
  const sub = subPath.replace(/^\/+|\/+$/g, '');
  if (type === 'alertmanager') {
    if ((method === 'GET' || method === 'HEAD') && ALERTMANAGER_READS.test(sub)) return 'Viewer';
    return ALERTMANAGER_EDITS.some(([m, re]) => m === method && re.test(sub)) ? 'Editor' : 'Admin';
  }
  return ['GET', 'HEAD', 'POST'].includes(method) && isReadPath(type, sub) ? 'Viewer' : 'Admin';
}

export function isReadPath(type: string, subPath: string): boolean {
  const re = READ_PATHS[type];
  return re !== undefined && re.test(subPath.replace(/^\/+|\/+$/g, ''));
}

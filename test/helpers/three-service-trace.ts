/**
 * A three-service trace (client → frontend → backend, with error spans) and a second one-span trace, as an
 * OTLP/JSON ExportTraceServiceRequest body. Span IDs are 1..7 (see `id`).
 */
export const T1 = '0af7651916cd43dd8448eb211c80319c';
export const T2 = '1bf7651916cd43dd8448eb211c80319d';
export const id = (n: number) => n.toString(16).padStart(16, '0');
export const BASE = 1_700_000_000_000_000_000n;
export const ms = (n: number) => BigInt(n) * 1_000_000n;

export interface S {
  trace: string;
  span: number;
  parent?: number;
  name: string;
  kind: number;
  start: number;
  dur: number;
  status?: { code: number; message?: string };
  attrs?: Record<string, string | number | boolean>;
  events?: { name: string; attrs: Record<string, number> }[];
}

export function kv(attrs: Record<string, string | number | boolean> = {}) {
  return Object.entries(attrs).map(([key, v]) => ({
    key,
    value: typeof v === 'string' ? { stringValue: v } : typeof v === 'boolean' ? { boolValue: v } : Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v },
  }));
}

export function span(s: S) {
  return {
    traceId: s.trace,
    spanId: id(s.span),
    ...(s.parent ? { parentSpanId: id(s.parent) } : {}),
    name: s.name,
    kind: s.kind,
    startTimeUnixNano: String(BASE + ms(s.start)),
    endTimeUnixNano: String(BASE + ms(s.start + s.dur)),
    attributes: kv(s.attrs),
    ...(s.status ? { status: s.status } : {}),
    ...(s.events ? { events: s.events.map((e) => ({ name: e.name, timeUnixNano: String(BASE), attributes: kv(e.attrs) })) } : {}),
  };
}

export const body = {
  resourceSpans: [
    {
      resource: { attributes: kv({ 'service.name': 'client' }) },
      scopeSpans: [{ scope: { name: 'http-client' }, spans: [span({ trace: T1, span: 1, name: 'GET /checkout', kind: 3, start: 0, dur: 900, attrs: { 'http.method': 'GET' } })] }],
    },
    {
      resource: { attributes: kv({ 'service.name': 'frontend' }) },
      scopeSpans: [
        {
          scope: { name: 'http-server' },
          spans: [
            span({ trace: T1, span: 2, parent: 1, name: 'GET /checkout', kind: 2, start: 50, dur: 800, status: { code: 2, message: 'backend failed' }, attrs: { 'http.status_code': 500, 'http.route': '/checkout' } }),
            span({ trace: T1, span: 3, parent: 2, name: 'call backend', kind: 3, start: 100, dur: 600, attrs: { 'peer.service': 'backend' }, events: [{ name: 'retry', attrs: { attempt: 1 } }] }),
            span({ trace: T1, span: 6, parent: 2, name: 'render', kind: 1, start: 750, dur: 50 }),
            span({ trace: T2, span: 7, name: 'GET /health', kind: 2, start: 5000, dur: 5, status: { code: 1 }, attrs: { 'http.status_code': 200 } }),
          ],
        },
      ],
    },
    {
      resource: { attributes: kv({ 'service.name': 'backend' }) },
      scopeSpans: [
        { scope: { name: 'http-server' }, spans: [span({ trace: T1, span: 4, parent: 3, name: 'POST /charge', kind: 2, start: 150, dur: 500, status: { code: 2, message: 'card declined' }, attrs: { amount: 12.5 } })] },
        { scope: { name: 'pg-instr', version: '0.1' }, spans: [span({ trace: T1, span: 5, parent: 4, name: 'db.query', kind: 3, start: 200, dur: 100, status: { code: 1 }, attrs: { 'db.system': 'postgres' } })] },
      ],
    },
  ],
};


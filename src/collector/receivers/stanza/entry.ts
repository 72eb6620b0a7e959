/** A log entry as the stanza operators see it: `body`, `attributes`, `resource`, timestamp and severity. */
export interface StanzaEntry {
  body: unknown;
  attributes: Record<string, unknown>;
  resource: Record<string, unknown>;
  /** Parsed by `time_parser`/`container`: milliseconds since the epoch plus nanoseconds within the millisecond. */
  timestamp?: { ms: number; ns: number };
  /** OpenTelemetry severity number (1..24; 0 unset) and text, set by `severity_parser`. */
  severity?: number;
  severityText?: string;
  /** What holds the source lines (the reader's tickets): released once the entry leaves the receiver or is dropped. */
  held: Array<{ release(): void }>;
}

/** A stanza field (`body`, `body.a.b`, `attributes.x`, `attributes["x.y"]`, `resource.k`) as root and key path. */
export interface Field {
  root: 'body' | 'attributes' | 'resource';
  path: string[];
}

export function parseField(f: string): Field {
  const m = /^(body|attributes|resource)(.*)$/.exec(f);
  if (!m) throw new Error(`unrecognized prefix in field ${JSON.stringify(f)}`);
  const path: string[] = [];
  const re = /\.([^.[\]]+)|\["([^"]*)"\]/y;
  let rest = m[2];
  while (rest.length > 0) {
    re.lastIndex = 0;
    const p = re.exec(rest);
    if (!p) throw new Error(`invalid field ${JSON.stringify(f)}`);
    path.push(p[1] ?? p[2]);
    rest = rest.slice(re.lastIndex);
  }
  return { root: m[1] as Field['root'], path };
}

export const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function getField(e: StanzaEntry, f: Field): unknown {
  let cur: unknown = f.root === 'body' ? e.body : e[f.root];
  for (const k of f.path) cur = isMap(cur) ? cur[k] : undefined;
  return cur;
}

export function setField(e: StanzaEntry, f: Field, v: unknown): void {
  if (f.path.length === 0) {
    if (f.root === 'body') e.body = v;
    else e[f.root] = isMap(v) ? v : {};
    return;
  }
  if (f.root === 'body' && !isMap(e.body)) e.body = {};
  let cur = (f.root === 'body' ? e.body : e[f.root]) as Record<string, unknown>;
  for (const k of f.path.slice(0, -1)) {
    if (!isMap(cur[k])) cur[k] = {};
    cur = cur[k] as Record<string, unknown>;
  }
  cur[f.path[f.path.length - 1]] = v;
}

export function deleteField(e: StanzaEntry, f: Field): unknown {
  if (f.path.length === 0) {
    const v = f.root === 'body' ? e.body : e[f.root];
    if (f.root === 'body') e.body = undefined;
    else e[f.root] = {};
    return v;
  }
  let cur: unknown = f.root === 'body' ? e.body : e[f.root];
  for (const k of f.path.slice(0, -1)) cur = isMap(cur) ? cur[k] : undefined;
  if (!isMap(cur)) return undefined;
  const last = f.path[f.path.length - 1];
  const v = cur[last];
  delete cur[last];
  return v;
}

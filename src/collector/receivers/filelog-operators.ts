import { z } from 'zod';

/** A log entry as the stanza operators see it: `body`, `attributes`, `resource`. */
export interface StanzaEntry {
  body: unknown;
  attributes: Record<string, unknown>;
  resource: Record<string, unknown>;
}

const field = z.string().min(1);
const common = { id: z.string().optional(), output: z.union([z.string(), z.array(z.string())]).optional() };
const parser = {
  ...common,
  parse_from: field.default('body'),
  parse_to: field.default('attributes'),
  on_error: z.enum(['send', 'send_quiet', 'drop', 'drop_quiet']).default('send'),
};

export const operatorSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('regex_parser'), regex: z.string(), ...parser }),
  z.strictObject({ type: z.literal('json_parser'), ...parser }),
  z.strictObject({ type: z.literal('move'), from: field, to: field, ...common }),
  z.strictObject({ type: z.literal('copy'), from: field, to: field, ...common }),
  z.strictObject({ type: z.literal('add'), field, value: z.unknown(), ...common }),
  z.strictObject({ type: z.literal('remove'), field, ...common }),
]);

export type OperatorConfig = z.output<typeof operatorSchema>;

/** A stanza field (`body`, `body.a.b`, `attributes.x`, `attributes["x.y"]`, `resource.k`) as root and key path. */
export function parseField(f: string): { root: 'body' | 'attributes' | 'resource'; path: string[] } {
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
  return { root: m[1] as 'body' | 'attributes' | 'resource', path };
}

type Field = ReturnType<typeof parseField>;
const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function get(e: StanzaEntry, f: Field): unknown {
  let cur: unknown = f.root === 'body' ? e.body : e[f.root];
  for (const k of f.path) cur = isMap(cur) ? cur[k] : undefined;
  return cur;
}

function set(e: StanzaEntry, f: Field, v: unknown): void {
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

function del(e: StanzaEntry, f: Field): unknown {
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

/** Merge parsed values into `parse_to` (a map field: keys are added, as stanza's parsers do). */
function mergeInto(e: StanzaEntry, to: Field, values: Record<string, unknown>): void {
  const existing = get(e, to);
  set(e, to, { ...(isMap(existing) ? existing : {}), ...values });
}

/** An operator: returns false when the entry is dropped. */
export type Operator = (e: StanzaEntry) => boolean;

/** Compile the `operators` list of a filelog receiver (in order; `output` jumps are not supported: refused). */
export function compileOperators(list: OperatorConfig[]): Operator[] {
  return list.map((op): Operator => {
    if (op.output !== undefined) throw new Error('operator output routing is not supported');
    switch (op.type) {
      case 'regex_parser':
      case 'json_parser': {
        const from = parseField(op.parse_from);
        const to = parseField(op.parse_to);
        const re = op.type === 'regex_parser' ? new RegExp(op.regex.replace(/\(\?P</g, '(?<')) : undefined;
        if (re && !/\(\?<[a-zA-Z_]/.test(re.source)) throw new Error('no named capture groups in regex pattern');
        return (e) => {
          const v = get(e, from);
          let parsed: Record<string, unknown> | undefined;
          if (typeof v === 'string') {
            if (re) {
              const m = re.exec(v);
              if (m?.groups) parsed = Object.fromEntries(Object.entries(m.groups).filter(([, g]) => g !== undefined));
            } else {
              try {
                const j = JSON.parse(v) as unknown;
                if (isMap(j)) parsed = j;
              } catch {
                parsed = undefined;
              }
            }
          }
          if (!parsed) return op.on_error.startsWith('send');
          mergeInto(e, to, parsed);
          return true;
        };
      }
      case 'move':
      case 'copy': {
        const from = parseField(op.from);
        const to = parseField(op.to);
        return (e) => {
          const v = op.type === 'move' ? del(e, from) : structuredClone(get(e, from));
          if (v !== undefined) set(e, to, v);
          return true;
        };
      }
      case 'add': {
        const f = parseField(op.field);
        return (e) => {
          set(e, f, structuredClone(op.value));
          return true;
        };
      }
      case 'remove': {
        const f = parseField(op.field);
        return (e) => {
          del(e, f);
          return true;
        };
      }
    }
  });
}

import * as z from 'zod';
import { goDurationMs } from '../config/go-duration.js';
import { ContainerParser } from './stanza/container.js';
import { deleteField, getField, isMap, parseField, setField, type Field, type StanzaEntry } from './stanza/entry.js';
import { compileExpr } from './stanza/expr.js';
import { Recombiner } from './stanza/recombine.js';
import { compileSeverity, severityMappingSchema } from './stanza/severity.js';
import { compileStanzaTime } from './stanza/time.js';

export type { StanzaEntry } from './stanza/entry.js';

const field = z.string().min(1);
const output = z.union([z.string(), z.array(z.string())]);
const common = { id: z.string().optional(), output: output.optional() };
const onError = z.enum(['send', 'send_quiet', 'drop', 'drop_quiet']).default('send');
const parser = { ...common, parse_from: field.default('body'), parse_to: field.default('attributes'), on_error: onError };

export const operatorSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('regex_parser'), regex: z.string(), ...parser }),
  z.strictObject({ type: z.literal('json_parser'), ...parser }),
  z.strictObject({ type: z.literal('move'), from: field, to: field, ...common }),
  z.strictObject({ type: z.literal('copy'), from: field, to: field, ...common }),
  z.strictObject({ type: z.literal('add'), field, value: z.unknown(), ...common }),
  z.strictObject({ type: z.literal('remove'), field, ...common }),
  z.strictObject({
    type: z.literal('severity_parser'),
    parse_from: field,
    preset: z.enum(['default', 'none']).default('default'),
    mapping: severityMappingSchema.default({}),
    overwrite_text: z.boolean().default(false),
    on_error: onError,
    ...common,
  }),
  z.strictObject({
    type: z.literal('time_parser'),
    parse_from: field,
    layout_type: z.enum(['strptime', 'gotime', 'epoch']).default('strptime'),
    layout: z.string(),
    location: z.string().optional(),
    on_error: onError,
    ...common,
  }),
  z.strictObject({
    type: z.literal('router'),
    routes: z.array(z.strictObject({ expr: z.string(), output, attributes: z.record(z.string(), z.unknown()).optional() })).min(1),
    default: output.optional(),
    id: z.string().optional(),
  }),
  z.strictObject({
    type: z.literal('recombine'),
    combine_field: field,
    combine_with: z.string().default('\n'),
    is_first_entry: z.string().optional(),
    is_last_entry: z.string().optional(),
    max_batch_size: z.number().int().positive().default(1000),
    max_unmatched_batch_size: z.number().int().nonnegative().default(100),
    overwrite_with: z.enum(['oldest', 'newest']).default('newest'),
    force_flush_period: goDurationMs.default(5000),
    source_identifier: field.default('attributes["log.file.path"]'),
    max_sources: z.number().int().positive().default(1000),
    max_log_size: z.number().int().nonnegative().default(0),
    on_error: onError,
    ...common,
  }),
  z.strictObject({
    type: z.literal('container'),
    format: z.enum(['docker', 'crio', 'containerd']).optional(),
    add_metadata_from_filepath: z.boolean().default(true),
    max_log_size: z.number().int().nonnegative().default(0),
    force_flush_period: goDurationMs.default(5000),
    on_error: onError,
    ...common,
  }),
]);

export type OperatorConfig = z.output<typeof operatorSchema>;

/** The compiled `operators` graph of a filelog receiver: entries go in, reach `sink` or are dropped (`drop`). */
export interface OperatorPipeline {
  process(e: StanzaEntry): void;
  /** Hand on what `recombine`/`container` hold longer than their `force_flush_period` (everything with Infinity). */
  flush(now: number): void;
}

/** OTel's short names per severity number (for `overwrite_text`). */
const SHORT = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'];
const shortName = (n: number) => (n < 1 ? 'DEFAULT' : SHORT[Math.floor((n - 1) / 4)] + ((n - 1) % 4 === 0 ? '' : String(((n - 1) % 4) + 1)));

/** Merge parsed values into `parse_to` (a map field: keys are added, as stanza's parsers do). */
function mergeInto(e: StanzaEntry, to: Field, values: Record<string, unknown>): void {
  const existing = getField(e, to);
  setField(e, to, { ...(isMap(existing) ? existing : {}), ...values });
}

type Emit = (e: StanzaEntry) => void;
interface Node {
  id: string;
  /** Ids this node sends to, or (undefined) the next operator in the list. */
  outputs(): string[];
  build(to: Emit, fail: Emit, route: (id: string) => Emit): { process: Emit; flush?: (now: number) => void };
}

const outputsOf = (o: string | string[] | undefined): string[] | undefined => (o === undefined ? undefined : Array.isArray(o) ? o : [o]);

function node(op: OperatorConfig, index: number, list: OperatorConfig[]): Node {
  const id = op.id ?? op.type;
  const next = index + 1 < list.length ? [list[index + 1].id ?? list[index + 1].type] : [];
  const outs = op.type === 'router' ? [...op.routes.flatMap((r) => outputsOf(r.output)!), ...(outputsOf(op.default) ?? [])] : (outputsOf(op.output) ?? next);
  const simple = (fn: (e: StanzaEntry) => boolean): Node['build'] => (to, fail) => ({ process: (e) => (fn(e) ? to(e) : fail(e)) });
  const mk = (build: Node['build']): Node => ({ id, outputs: () => outs, build });
  switch (op.type) {
    case 'regex_parser':
    case 'json_parser': {
      const from = parseField(op.parse_from);
      const to = parseField(op.parse_to);
      const re = op.type === 'regex_parser' ? new RegExp(op.regex.replace(/\(\?P</g, '(?<')) : undefined;
      if (re && !/\(\?<[a-zA-Z_]/.test(re.source)) throw new Error('no named capture groups in regex pattern');
      return mk(
        simple((e) => {
          const v = getField(e, from);
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
          if (!parsed) return false;
          mergeInto(e, to, parsed);
          return true;
        }),
      );
    }
    case 'move':
    case 'copy': {
      const from = parseField(op.from);
      const to = parseField(op.to);
      return mk(
        simple((e) => {
          const v = op.type === 'move' ? deleteField(e, from) : structuredClone(getField(e, from));
          if (v !== undefined) setField(e, to, v);
          return true;
        }),
      );
    }
    case 'add': {
      const f = parseField(op.field);
      return mk(simple((e) => (setField(e, f, structuredClone(op.value)), true)));
    }
    case 'remove': {
      const f = parseField(op.field);
      return mk(simple((e) => (deleteField(e, f), true)));
    }
    case 'severity_parser': {
      const from = parseField(op.parse_from);
      const sev = compileSeverity(op.preset, op.mapping);
      return mk(
        simple((e) => {
          const v = getField(e, from);
          if (v === undefined) return false;
          const s = sev(v) ?? { number: 0, text: typeof v === 'string' || typeof v === 'number' ? String(v) : '' };
          e.severity = s.number;
          e.severityText = op.overwrite_text ? shortName(s.number) : s.text;
          return true;
        }),
      );
    }
    case 'time_parser': {
      const from = parseField(op.parse_from);
      const t = compileStanzaTime(op.layout_type, op.layout, op.location);
      return mk(
        simple((e) => {
          const v = getField(e, from);
          const parsed = typeof v === 'string' || typeof v === 'number' ? t.parse(String(v)) : undefined;
          if (!parsed) return false;
          e.timestamp = parsed;
          return true;
        }),
      );
    }
    case 'router': {
      const routes = op.routes.map((r) => ({ match: compileExpr(r.expr), outputs: outputsOf(r.output)!, attributes: r.attributes }));
      const fallback = outputsOf(op.default) ?? [];
      return mk((_to, fail, route) => ({
        process(e) {
          const r = routes.find((x) => x.match(e));
          if (r?.attributes) Object.assign(e.attributes, structuredClone(r.attributes));
          const outs = r ? r.outputs : fallback;
          if (outs.length === 0) return fail(e);
          fanOut(e, outs.map(route));
        },
      }));
    }
    case 'recombine': {
      if ((op.is_first_entry === undefined) === (op.is_last_entry === undefined)) throw new Error('recombine: exactly one of is_first_entry and is_last_entry must be set');
      const isFirst = op.is_first_entry === undefined ? undefined : compileExpr(op.is_first_entry);
      const isLast = op.is_last_entry === undefined ? undefined : compileExpr(op.is_last_entry);
      return mk((to) => {
        const r = new Recombiner(
          {
            combineField: parseField(op.combine_field),
            combineWith: op.combine_with,
            isFirst,
            isLast,
            maxBatchSize: op.max_batch_size,
            maxUnmatchedBatchSize: op.max_unmatched_batch_size,
            overwriteWith: op.overwrite_with,
            sourceIdentifier: parseField(op.source_identifier),
            maxSources: op.max_sources,
            maxLogSize: op.max_log_size,
            forceFlushMs: op.force_flush_period,
          },
          to,
        );
        return { process: (e) => r.process(e), flush: (now) => (now === Number.POSITIVE_INFINITY ? r.flushAll() : r.flushStale(now)) };
      });
    }
    case 'container':
      return mk((to, fail) => {
        const c = new ContainerParser({ format: op.format, addMetadataFromFilepath: op.add_metadata_from_filepath, maxLogSize: op.max_log_size, forceFlushMs: op.force_flush_period }, to, fail);
        return { process: (e) => c.process(e), flush: (now) => (now === Number.POSITIVE_INFINITY ? c.flushAll() : c.flushStale(now)) };
      });
  }
}

/** One entry to several operators: the first gets the entry (and what holds its lines), the others copies. */
function fanOut(e: StanzaEntry, targets: Emit[]): void {
  for (let i = targets.length - 1; i >= 1; i--) targets[i]({ ...structuredClone({ ...e, held: [] }), held: [] });
  targets[0](e);
}

/**
 * Compile the `operators` list of a filelog receiver: each operator sends to its `output` (one id or several) or
 * to the next one in the list; the last one's entries go to `sink`. Unknown or duplicate ids and cycles are
 * refused. A parser failing (`on_error`) sends the entry on unchanged (`send*`) or drops it (`drop*`).
 */
export function compileOperators(list: OperatorConfig[], sink: Emit = () => undefined, drop: Emit = () => undefined): OperatorPipeline {
  const nodes = list.map((op, i) => node(op, i, list));
  const byId = new Map<string, number>();
  nodes.forEach((n, i) => {
    if (byId.has(n.id)) throw new Error(`operator id ${JSON.stringify(n.id)} is used more than once; give each an id`);
    byId.set(n.id, i);
  });
  for (const n of nodes) for (const o of n.outputs()) if (!byId.has(o)) throw new Error(`operator ${JSON.stringify(n.id)}: output ${JSON.stringify(o)} is not an operator id`);
  const state = nodes.map(() => 0);
  const visit = (i: number): void => {
    if (state[i] === 1) throw new Error(`operators form a cycle through ${JSON.stringify(nodes[i].id)}`);
    if (state[i] === 2) return;
    state[i] = 1;
    for (const o of nodes[i].outputs()) visit(byId.get(o)!);
    state[i] = 2;
  };
  nodes.forEach((_, i) => visit(i));

  const built: Array<{ process: Emit; flush?: (now: number) => void }> = [];
  const route = (id: string): Emit => (e) => built[byId.get(id)!].process(e);
  nodes.forEach((n, i) => {
    const op = list[i];
    const outs = n.outputs().map(route);
    const to: Emit = outs.length === 0 ? sink : outs.length === 1 ? outs[0] : (e) => fanOut(e, outs);
    const onErr = 'on_error' in op ? op.on_error : 'send';
    const fail: Emit = op.type === 'router' ? drop : onErr.startsWith('send') ? to : drop;
    built.push(n.build(to, fail, route));
  });
  return {
    process: (e) => (built.length === 0 ? sink(e) : built[0].process(e)),
    flush: (now) => {
      for (const b of built) b.flush?.(now);
    },
  };
}


import * as z from 'zod';
import { anyValueToJs, stringAttr, type Resource } from '../../otlp/index.js';
import { compileAnchored } from '../../model/index.js';
import type { ProcessorFactory } from '../components.js';
import { attrJs, forEachRecord, type AttrHolder } from '../pipeline/otlp-data.js';
import { actionSchema, compileActions } from './attribute-actions.js';

const matchSchema = z.strictObject({
  match_type: z.enum(['strict', 'regexp']),
  services: z.array(z.string()).optional(),
  span_names: z.array(z.string()).optional(),
  log_bodies: z.array(z.string()).optional(),
  metric_names: z.array(z.string()).optional(),
  attributes: z.array(z.strictObject({ key: z.string(), value: z.union([z.string(), z.number(), z.boolean()]).optional() })).optional(),
  resources: z.array(z.strictObject({ key: z.string(), value: z.union([z.string(), z.number(), z.boolean()]).optional() })).optional(),
});

const schema = z.strictObject({ actions: z.array(actionSchema).min(1, 'the "actions" are required'), include: matchSchema.optional(), exclude: matchSchema.optional() });

type Match = (rec: AttrHolder & { name?: string; body?: unknown }, resource: Resource) => boolean;

function compileMatch(m: z.output<typeof matchSchema>): Match {
  const test = (pattern: string) => {
    if (m.match_type === 'strict') return (s: string) => s === pattern;
    const re = compileAnchored(pattern);
    return (s: string) => re.test(s);
  };
  const anyOf = (list: string[] | undefined) => (list ? list.map(test) : undefined);
  const services = anyOf(m.services);
  const names = anyOf(m.span_names);
  const bodies = anyOf(m.log_bodies);
  const kv = (list: { key: string; value?: string | number | boolean }[] | undefined) =>
    list?.map((a) => ({ key: a.key, t: a.value === undefined ? undefined : test(String(a.value)) }));
  const attrs = kv(m.attributes);
  const res = kv(m.resources);
  return (rec, resource) => {
    if (services && !services.some((t) => t(stringAttr(resource.attributes, 'service.name') ?? ''))) return false;
    if (names && !names.some((t) => t(rec.name ?? ''))) return false;
    if (bodies && !bodies.some((t) => t(String(anyValueToJs(rec.body as never) ?? '')))) return false;
    for (const a of attrs ?? []) {
      const v = attrJs(rec.attributes, a.key);
      if (v === undefined || (a.t && !a.t(String(v)))) return false;
    }
    for (const a of res ?? []) {
      const v = attrJs(resource.attributes, a.key);
      if (v === undefined || (a.t && !a.t(String(v)))) return false;
    }
    return true;
  };
}

/** `attributes`: attribute actions on spans, log records or data points, optionally only those `include` matches. */
export const attributesProcessorFactory: ProcessorFactory<typeof schema> = {
  type: 'attributes',
  signals: ['traces', 'metrics', 'logs'],
  schema,
  create(_id, cfg, _signal, next) {
    const actions = compileActions(cfg.actions);
    const include = cfg.include ? compileMatch(cfg.include) : undefined;
    const exclude = cfg.exclude ? compileMatch(cfg.exclude) : undefined;
    return {
      mutates: true,
      consume(data, client) {
        forEachRecord(data, (rec, resource) => {
          if (include && !include(rec, resource)) return;
          if (exclude && exclude(rec, resource)) return;
          for (const a of actions) a(rec, client);
        });
        return next.consume(data, client);
      },
    };
  },
};

import { createHash } from 'node:crypto';
import * as z from 'zod';
import { anyValueToJs, type AnyValue } from '../../otlp/index.js';
import { compileUnanchored } from '../../model/index.js';
import type { ClientContext } from '../pipeline/consumer.js';
import { deleteAttr, getAttr, setAttr, toAnyValue, type AttrHolder } from '../pipeline/otlp-data.js';

const scalar = z.union([z.string(), z.number(), z.boolean()]);

/** One entry of `actions:` (the Collector's attraction package, shared by `attributes` and `resource`). */
export const actionSchema = z
  .strictObject({
    key: z.string().optional(),
    action: z.enum(['insert', 'update', 'upsert', 'delete', 'hash', 'extract', 'convert']),
    value: scalar.optional(),
    from_attribute: z.string().optional(),
    from_context: z.string().optional(),
    pattern: z.string().optional(),
    converted_type: z.enum(['int', 'double', 'string']).optional(),
  })
  .superRefine((a, ctx) => {
    if (!a.key && !(a.pattern && (a.action === 'delete' || a.action === 'hash'))) ctx.addIssue({ code: 'custom', message: `action ${a.action}: "key" is required` });
    if ((a.action === 'insert' || a.action === 'update' || a.action === 'upsert') && a.value === undefined && !a.from_attribute && !a.from_context)
      ctx.addIssue({ code: 'custom', message: `action ${a.action} on ${JSON.stringify(a.key)}: one of "value", "from_attribute" or "from_context" is required` });
    if (a.action === 'extract' && !a.pattern) ctx.addIssue({ code: 'custom', message: 'action extract: "pattern" is required' });
    if (a.action === 'convert' && !a.converted_type) ctx.addIssue({ code: 'custom', message: 'action convert: "converted_type" is required' });
  });

export type ActionConfig = z.output<typeof actionSchema>;

type Action = (h: AttrHolder, client: ClientContext) => void;

function sha1Hex(v: AnyValue | null | undefined): AnyValue {
  const s = String(anyValueToJs(v) ?? '');
  return toAnyValue(createHash('sha1').update(s).digest('hex'));
}

function fromContext(client: ClientContext, key: string): AnyValue | undefined {
  if (key === 'client.address') return client.address ? toAnyValue(client.address) : undefined;
  const name = key.replace(/^metadata\./, '').toLowerCase();
  const v = client.metadata?.[name];
  if (v === undefined) return undefined;
  return toAnyValue(Array.isArray(v) ? v.join(';') : v);
}

function convert(v: AnyValue, to: 'int' | 'double' | 'string'): AnyValue | undefined {
  const js = anyValueToJs(v);
  if (js === undefined) return undefined;
  if (to === 'string') return toAnyValue(String(js));
  const n = typeof js === 'boolean' ? (js ? 1 : 0) : Number(js);
  if (!Number.isFinite(n)) return undefined;
  return to === 'int' ? { intValue: Math.trunc(n), value: 'intValue' } : { doubleValue: n, value: 'doubleValue' };
}

/** Compile `actions:` into functions applied in order to an attribute holder. */
export function compileActions(actions: readonly ActionConfig[]): Action[] {
  return actions.map((a): Action => {
    const key = a.key ?? '';
    const valueOf = (h: AttrHolder, client: ClientContext): AnyValue | undefined => {
      if (a.value !== undefined) return toAnyValue(a.value);
      if (a.from_attribute) return getAttr(h.attributes, a.from_attribute)?.value ?? undefined;
      if (a.from_context) return fromContext(client, a.from_context);
      return undefined;
    };
    const re = a.pattern ? compileUnanchored(a.pattern) : undefined;
    switch (a.action) {
      case 'insert':
        return (h, c) => {
          if (getAttr(h.attributes, key)) return;
          const v = valueOf(h, c);
          if (v) setAttr(h, key, v);
        };
      case 'update':
        return (h, c) => {
          if (!getAttr(h.attributes, key)) return;
          const v = valueOf(h, c);
          if (v) setAttr(h, key, v);
        };
      case 'upsert':
        return (h, c) => {
          const v = valueOf(h, c);
          if (v) setAttr(h, key, v);
        };
      case 'delete':
        return (h) => {
          if (a.key) deleteAttr(h, key);
          if (re) for (const kv of [...(h.attributes ?? [])]) if (re.test(kv.key)) deleteAttr(h, kv.key);
        };
      case 'hash':
        return (h) => {
          const targets = (h.attributes ?? []).filter((kv) => kv.key === key || (re !== undefined && re.test(kv.key)));
          for (const kv of targets) setAttr(h, kv.key, sha1Hex(kv.value));
        };
      case 'extract':
        return (h) => {
          const kv = getAttr(h.attributes, key);
          if (kv?.value?.value !== 'stringValue' || !re) return;
          const m = re.exec(kv.value.stringValue ?? '');
          if (!m?.groups) return;
          for (const [name, v] of Object.entries(m.groups)) if (v !== undefined) setAttr(h, name, toAnyValue(v));
        };
      case 'convert':
        return (h) => {
          const kv = getAttr(h.attributes, key);
          if (!kv?.value) return;
          const v = convert(kv.value, a.converted_type!);
          if (v) setAttr(h, key, v);
        };
    }
  });
}

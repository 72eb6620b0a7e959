import { anyValueToJs, type AnyValue, type KeyValue, type Resource } from '../../otlp/index.js';
import type { ExportRequest } from './consumer.js';

export type AttrValue = string | number | boolean;

/** An AnyValue for a JS value (integers as intValue, other numbers as doubleValue). */
export function toAnyValue(v: AttrValue | AnyValue): AnyValue {
  if (typeof v === 'object') return v;
  if (typeof v === 'string') return { stringValue: v, value: 'stringValue' };
  if (typeof v === 'boolean') return { boolValue: v, value: 'boolValue' };
  if (Number.isInteger(v)) return { intValue: v, value: 'intValue' };
  return { doubleValue: v, value: 'doubleValue' };
}

export function getAttr(attrs: KeyValue[] | undefined, key: string): KeyValue | undefined {
  if (!attrs) return undefined;
  for (const kv of attrs) if (kv.key === key) return kv;
  return undefined;
}

export function attrJs(attrs: KeyValue[] | undefined, key: string): AttrValue | undefined {
  const kv = getAttr(attrs, key);
  return kv ? anyValueToJs(kv.value) : undefined;
}

/** Something that carries attributes and maybe the `raw` bytes it arrived with (cleared when changed). */
export interface AttrHolder {
  attributes?: KeyValue[];
  raw?: Uint8Array;
}

/** Mark an OTLP message changed: its `raw` bytes no longer describe it, so it is re-encoded on export. */
export function touch(h: { raw?: Uint8Array }): void {
  if (h.raw !== undefined) delete h.raw;
}

export function setAttr(h: AttrHolder, key: string, v: AnyValue): void {
  touch(h);
  h.attributes ??= [];
  const kv = getAttr(h.attributes, key);
  if (kv) kv.value = v;
  else h.attributes.push({ key, value: v });
}

export function deleteAttr(h: AttrHolder, key: string): boolean {
  const attrs = h.attributes;
  if (!attrs) return false;
  const i = attrs.findIndex((kv) => kv.key === key);
  if (i < 0) return false;
  touch(h);
  attrs.splice(i, 1);
  return true;
}

/** The resource of every resource-level group in a request, created when missing. */
export function resourcesOf(e: ExportRequest): Resource[] {
  const out: Resource[] = [];
  const groups: { resource?: Resource | null }[] = e.signal === 'traces' ? (e.req.resourceSpans ?? []) : e.signal === 'metrics' ? (e.req.resourceMetrics ?? []) : (e.req.resourceLogs ?? []);
  for (const g of groups) {
    if (!g.resource) g.resource = { attributes: [] };
    out.push(g.resource);
  }
  return out;
}

/** Every item of a request (spans, data points' holders — metrics' data points, log records) with its resource. */
export function forEachRecord(e: ExportRequest, fn: (rec: AttrHolder, resource: Resource) => void): void {
  if (e.signal === 'traces') {
    for (const rs of e.req.resourceSpans ?? []) for (const ss of rs.scopeSpans ?? []) for (const s of ss.spans ?? []) fn(s, (rs.resource ??= { attributes: [] }));
  } else if (e.signal === 'logs') {
    for (const rl of e.req.resourceLogs ?? []) for (const sl of rl.scopeLogs ?? []) for (const l of sl.logRecords ?? []) fn(l, (rl.resource ??= { attributes: [] }));
  } else {
    for (const rm of e.req.resourceMetrics ?? [])
      for (const sm of rm.scopeMetrics ?? [])
        for (const m of sm.metrics ?? []) {
          const d = m.data ? (m as unknown as Record<string, { dataPoints?: AttrHolder[] } | null>)[m.data] : null;
          for (const p of d?.dataPoints ?? []) fn(p, (rm.resource ??= { attributes: [] }));
        }
  }
}

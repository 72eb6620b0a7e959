import type { AnyValue, KeyValue } from './proto/types.js';

/** The value of `key` in the first attribute list that has it (the Collector's `pdatautil.GetAttributeValue`). */
export function findAttr(key: string, ...lists: (readonly KeyValue[] | undefined | null)[]): AnyValue | undefined {
  for (const l of lists) {
    if (!l) continue;
    for (const kv of l) if (kv.key === key && kv.value) return kv.value;
  }
  return undefined;
}

/** An AnyValue as pdata's `Value.AsString` renders it (scalars; arrays and maps as JSON). */
export function asString(v: AnyValue): string {
  switch (v.value) {
    case 'stringValue':
      return v.stringValue ?? '';
    case 'boolValue':
      return v.boolValue ? 'true' : 'false';
    case 'intValue':
      return String(v.intValue ?? 0);
    case 'doubleValue':
      return String(v.doubleValue ?? 0);
    case 'bytesValue':
      return Buffer.from(v.bytesValue ?? []).toString('base64');
    default:
      return JSON.stringify(v.arrayValue ?? v.kvlistValue ?? null);
  }
}

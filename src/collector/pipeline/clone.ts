import type { ExportRequest } from './consumer.js';

/**
 * A deep copy of pipeline data for fan-out to consumers that change it. Byte arrays (IDs, the `raw` bytes a message
 * arrived with) are immutable in the pipeline and shared; 64-bit `Long` values are immutable too.
 */
export function cloneRequest(e: ExportRequest): ExportRequest {
  return { signal: e.signal, req: cloneValue(e.req) } as ExportRequest;
}

function cloneValue<T>(v: T): T {
  if (v === null || typeof v !== 'object') return v;
  if (v instanceof Uint8Array) return v;
  if (Array.isArray(v)) return v.map(cloneValue) as T;
  const proto = Object.getPrototypeOf(v) as object | null;
  if (proto !== Object.prototype && proto !== null && (v as { constructor?: { name?: string } }).constructor?.name === 'Long') return v;
  const out: Record<string, unknown> = Object.create(proto) as Record<string, unknown>;
  for (const k of Object.keys(v)) out[k] = cloneValue((v as Record<string, unknown>)[k]);
  return out as T;
}

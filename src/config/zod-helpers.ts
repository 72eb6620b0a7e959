import { availableParallelism } from 'node:os';
import * as z from 'zod';
import { lazySchema } from './lazy-schema.js';
import { parseByteSize, parseDuration } from '../lib/duration.js';

/** A Prometheus duration string, parsed to milliseconds. */
export const durationMs = lazySchema(() => z.string().transform((s, ctx) => {
  try {
    return parseDuration(s);
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: (e as Error).message });
    return z.NEVER;
  }
}));

/** A byte size ("512MB") or a plain number of bytes. */
export const byteSize = lazySchema(() => z.union([z.number().int().nonnegative(), z.string()]).transform((s, ctx) => {
  if (typeof s === 'number') return s;
  try {
    return parseByteSize(s);
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: (e as Error).message });
    return z.NEVER;
  }
}));

/** `host:port`; a bare `:port` means all interfaces. */
export const listenAddress = lazySchema(() => z.string().regex(/^(\[[^\]]*\]|[^:]*):\d{1,5}$/, 'must be host:port'));

export function splitHostPort(addr: string): { host: string; port: number } {
  const i = addr.lastIndexOf(':');
  let host = addr.slice(0, i);
  if (host.startsWith('[')) host = host.slice(1, -1);
  return { host: host === '' ? '0.0.0.0' : host, port: Number(addr.slice(i + 1)) };
}

/**
 * Query worker threads that evaluate API queries off the event loop ingest shares (0: evaluate on the event loop).
 * Default: the CPUs but one (left to the event loop), at least 1 and at most 4.
 */
export const queryWorkers = lazySchema(() => z.number().int().min(0).default(Math.max(1, Math.min(4, availableParallelism() - 1))));

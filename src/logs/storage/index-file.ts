import { lazyBuiltin } from '../../lib/lazy-builtin.js';
import type * as NodeCrypto from 'node:crypto';

/** `node:crypto` on the first object name, not at import (the log agent reaches this module through LogQL; docs/agent.md, Figures). */
const crypto = lazyBuiltin<typeof NodeCrypto>('node:crypto');

/**
 * The object-store layout of the logs pillar under its prefix:
 *
 *   <prefix>/chunks/<tenant>/<period>/<minT>-<maxT>-<random>     one compressed chunk (chunk-codec.ts)
 *   <prefix>/index/<tenant>/<period>/<ms>-<random>.json           one index file per flush, tenant and period
 *
 * An index file lists the streams the flush wrote, each with its labels and chunk refs, and the WAL position the
 * flush covered (so a replay after a crash between the index write and the WAL trim skips what is already stored).
 */
export interface IndexFileJson {
  /** The WAL this flush trimmed and the first segment it did not cover (absent in files written before this). */
  wal?: WalMark;
  streams: Array<{ labels: Record<string, string>; chunks: Array<{ key: string; minT: string; maxT: string; entries: number; bytes: number; size: number }> }>;
}

/** A flush's position in the WAL: segments of WAL `id` below `before` are in stored chunks. */
export interface WalMark {
  id: string;
  before: number;
}

export function chunkKey(prefix: string, tenant: string, period: number, minT: bigint, maxT: bigint): string {
  return `${prefix}/chunks/${tenant}/${period}/${minT}-${maxT}-${crypto().randomBytes(6).toString('hex')}`;
}

export function indexFileKey(prefix: string, tenant: string, period: number, nowMs: number): string {
  return `${prefix}/index/${tenant}/${period}/${nowMs}-${crypto().randomBytes(4).toString('hex')}.json`;
}

export function indexPrefix(prefix: string): string {
  return `${prefix}/index/`;
}

/** Tenant and period of an index file key, or undefined for other keys. */
export function parseIndexFileKey(key: string): { tenant: string; period: number } | undefined {
  const m = /\/index\/([^/]+)\/(\d+)\/[^/]+\.json$/.exec(key);
  return m ? { tenant: m[1], period: Number(m[2]) } : undefined;
}

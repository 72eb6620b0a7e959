import { randomBytes } from 'node:crypto';
import type { Matcher } from '../../model/index.js';
import { parseMetricSelector } from '../promql/index.js';
import { ApiError, badData, invalidParam } from './api-error.js';
import type { ApiResult, HandlerContext } from './handler-context.js';
import { jsonString } from './json-encoding.js';
import { MAX_TIME_MS, MIN_TIME_MS, timeParam } from './params.js';

const DISABLED = 'admin APIs disabled';

/** Go's `strconv.ParseBool`. */
function parseGoBool(s: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(s)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(s)) return false;
  return undefined;
}

/** Prometheus's snapshot name: `20060102T150405Z0700`-style UTC time, a dash, 16 hex digits. */
export function snapshotName(now: Date): string {
  const iso = now.toISOString(); // 2026-12-05T18:45:00.123Z
  const stamp = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}T${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
  const r = randomBytes(8);
  r[0] &= 0x7f; // rand.Int63: non-negative
  return `${stamp}-${r.toString('hex')}`;
}

/**
 * `POST|PUT /api/v1/admin/tsdb/snapshot?skip_head=<bool>`: hard-link the TSDB's blocks (and the head as a block)
 * into `<data>/snapshots/<name>`; answers `{"name": name}`. Refused with `unavailable` unless the admin API is on.
 */
export async function snapshot(ctx: HandlerContext): Promise<ApiResult> {
  const snap = ctx.deps.snapshot;
  if (!snap) throw new ApiError('unavailable', DISABLED);
  const raw = ctx.params.get('skip_head');
  let skipHead = false;
  if (raw !== '') {
    const b = parseGoBool(raw);
    if (b === undefined) throw badData(`unable to parse boolean 'skip_head' argument: strconv.ParseBool: parsing ${JSON.stringify(raw)}: invalid syntax`);
    skipHead = b;
  }
  const name = snapshotName(new Date(ctx.now()));
  try {
    await snap(name, skipHead);
  } catch (e) {
    throw new ApiError('internal', `create snapshot: ${(e as Error).message}`);
  }
  return { data: `{"name":${jsonString(name)}}` };
}

/**
 * `POST|PUT /api/v1/admin/tsdb/delete_series?match[]=…&start=…&end=…`: as Prometheus, every selector's series lose
 * their samples in [start, end] (default: all time); 204 No Content.
 */
export async function deleteSeries(ctx: HandlerContext): Promise<ApiResult> {
  const del = ctx.deps.deleteSeries;
  if (!del) throw new ApiError('unavailable', DISABLED);
  const p = ctx.params;
  const selectors = p.all('match[]');
  if (selectors.length === 0) throw badData('no match[] parameter provided');
  const start = timeParam(p, 'start', MIN_TIME_MS);
  const end = timeParam(p, 'end', MAX_TIME_MS);
  for (const sel of selectors) {
    let matchers: Matcher[];
    try {
      matchers = parseMetricSelector(sel);
    } catch (e) {
      throw invalidParam('match[]', (e as Error).message);
    }
    try {
      await del(matchers, start, end);
    } catch (e) {
      throw new ApiError('internal', (e as Error).message);
    }
  }
  return { data: null };
}

/** `POST|PUT /api/v1/admin/tsdb/clean_tombstones`: rewrite the blocks with deletions; 204 No Content. */
export async function cleanTombstones(ctx: HandlerContext): Promise<ApiResult> {
  const clean = ctx.deps.cleanTombstones;
  if (!clean) throw new ApiError('unavailable', DISABLED);
  try {
    await clean();
  } catch (e) {
    throw new ApiError('internal', (e as Error).message);
  }
  return { data: null };
}

/** `/api/v1/status/walreplay`: the WAL segments replayed at start (first, last, last replayed). */
export async function walReplay(ctx: HandlerContext): Promise<ApiResult> {
  const w = ctx.deps.walReplay?.() ?? { min: 0, max: 0, current: 0 };
  return { data: `{"min":${w.min},"max":${w.max},"current":${w.current}}` };
}

/** `/api/v1/alertmanagers`: the Alertmanagers the notifier currently sends to. */
export async function alertmanagers(ctx: HandlerContext): Promise<ApiResult> {
  const urls = ctx.deps.alertmanagers?.() ?? [];
  return { data: `{"activeAlertmanagers":[${urls.map((u) => `{"url":${jsonString(u)}}`).join(',')}],"droppedAlertmanagers":[]}` };
}

import { HttpError } from '../../server/index.js';
import { parseDurationParam, parseTimeParam } from '../model/index.js';

export type Params = Record<string, string | string[] | undefined>;

export function one(p: Params, name: string): string | undefined {
  const v = p[name];
  return Array.isArray(v) ? v[v.length - 1] : v;
}

export function many(p: Params, name: string): string[] {
  const v = p[name] ?? p[`${name}[]`];
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

export function timeParam(p: Params, name: string, def: bigint): bigint {
  const v = one(p, name);
  if (v === undefined || v === '') return def;
  const t = parseTimeParam(v);
  if (t === undefined) throw new HttpError(400, 'bad_data', `invalid ${name} parameter: cannot parse "${v}" to a valid timestamp`);
  return t;
}

export function nowNs(): bigint {
  return BigInt(Date.now()) * 1_000_000n;
}

/** Loki's range: `start`/`end`, or `since` (default 1h) before `end`. */
export function rangeParams(p: Params): { start: bigint; end: bigint } {
  const end = timeParam(p, 'end', nowNs());
  const sinceRaw = one(p, 'since');
  let since = 3600_000;
  if (sinceRaw !== undefined) {
    const d = parseDurationParam(sinceRaw);
    if (d === undefined) throw new HttpError(400, 'bad_data', `invalid since parameter: ${sinceRaw}`);
    since = d;
  }
  const start = timeParam(p, 'start', end - BigInt(Math.round(since * 1e6)));
  if (end < start) throw new HttpError(400, 'bad_data', 'end timestamp must not be before or equal to start time');
  return { start, end };
}

export function durationParam(p: Params, name: string): number | undefined {
  const v = one(p, name);
  if (v === undefined || v === '') return undefined;
  const d = parseDurationParam(v);
  if (d === undefined) throw new HttpError(400, 'bad_data', `invalid ${name} parameter: cannot parse "${v}" to a valid duration`);
  return d;
}

export { goDuration } from '../../lib/duration.js';

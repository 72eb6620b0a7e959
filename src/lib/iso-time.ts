/**
 * `new Date(ms).toISOString()` (`2026-12-07T18:40:55.123Z`) from the date's UTC fields. V8's own `toISOString` sets
 * up its local-time-zone cache through ICU on first use, which touches ~0.8 MB of the node binary's ICU code and
 * data that then stay resident in every process (docs/agent.md, Figures: the eighth pass); the UTC getters do not.
 * Years outside 0–9999 (ISO's expanded `±YYYYYY` form) and invalid dates are left to `toISOString`.
 */
export function isoTime(ms: number): string {
  const d = new Date(ms);
  const year = d.getUTCFullYear();
  if (!(year >= 0 && year <= 9999)) return d.toISOString();
  return `${pad(year, 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}T${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}.${pad(d.getUTCMilliseconds(), 3)}Z`;
}

function pad(n: number, width: number): string {
  const s = String(n);
  return s.length >= width ? s : '0'.repeat(width - s.length) + s;
}

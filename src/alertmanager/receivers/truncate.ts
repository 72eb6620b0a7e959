/** At most `n` runes of `s`, the last one `…` when cut (Alertmanager's `notify.TruncateInRunes`). */
export function truncateRunes(s: string, n: number): string {
  const r = Array.from(s);
  return r.length <= n ? s : `${r.slice(0, n - 1).join('')}…`;
}

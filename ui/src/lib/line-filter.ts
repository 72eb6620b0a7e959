/** Line filters of a LogQL query, and marking what they matched in a line. */

/**
 * The strings a query keeps lines by (`|= "x"`, `|= \`x\``), which Grafana highlights in the lines shown. Regex
 * filters are left alone (the browser would have to run the user's pattern).
 */
export function lineFilterTerms(expr: string): string[] {
  const terms: string[] = [];
  for (const m of expr.matchAll(/\|=\s*(?:"((?:[^"\\]|\\.)*)"|`([^`]*)`)/g)) {
    let t = m[2];
    if (t === undefined) {
      try {
        t = JSON.parse(`"${m[1]}"`) as string;
      } catch {
        t = m[1]!;
      }
    }
    if (t !== '' && !terms.includes(t)) terms.push(t);
  }
  return terms;
}

/** A line cut into plain and matched parts (case-sensitive, as `|=` matches), for `<mark>`ing the matches. */
export function splitMatches(line: string, terms: string[]): { text: string; match: boolean }[] {
  if (terms.length === 0) return [{ text: line, match: false }];
  const out: { text: string; match: boolean }[] = [];
  let i = 0;
  while (i < line.length) {
    let best = -1;
    let len = 0;
    for (const t of terms) {
      const at = line.indexOf(t, i);
      if (at !== -1 && (best === -1 || at < best || (at === best && t.length > len))) {
        best = at;
        len = t.length;
      }
    }
    if (best === -1) break;
    if (best > i) out.push({ text: line.slice(i, best), match: false });
    out.push({ text: line.slice(best, best + len), match: true });
    i = best + len;
  }
  if (i < line.length) out.push({ text: line.slice(i), match: false });
  return out;
}

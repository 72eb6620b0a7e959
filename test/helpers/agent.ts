import { expect } from 'vitest';

/** Every line of a LogQL selector over the last hour, oldest first (query_range in pages of 5000). */
export async function allLines(base: string, query: string): Promise<Array<{ stream: Record<string, string>; line: string; ts: string }>> {
  const out: Array<{ stream: Record<string, string>; line: string; ts: string }> = [];
  let start = (BigInt(Date.now() - 3600_000) * 1_000_000n).toString();
  const end = (BigInt(Date.now() + 60_000) * 1_000_000n).toString();
  for (;;) {
    const u = new URL(`${base}/loki/api/v1/query_range`);
    u.searchParams.set('query', query);
    u.searchParams.set('start', start);
    u.searchParams.set('end', end);
    u.searchParams.set('limit', '5000');
    u.searchParams.set('direction', 'forward');
    const r = await fetch(u);
    expect(r.status, await r.clone().text()).toBe(200);
    const body = (await r.json()) as { data: { result: Array<{ stream: Record<string, string>; values: string[][] }> } };
    const page = body.data.result.flatMap((s) => s.values.map((v) => ({ stream: s.stream, ts: v[0], line: v[1] })));
    page.sort((a, b) => (BigInt(a.ts) < BigInt(b.ts) ? -1 : BigInt(a.ts) > BigInt(b.ts) ? 1 : 0));
    out.push(...page);
    if (page.length < 5000) return out;
    start = (BigInt(page[page.length - 1].ts) + 1n).toString();
  }
}

/** Counts of each line; lines seen more than once and expected lines missing. */
export function compareLines(got: string[], expected: string[]): { missing: string[]; duplicates: string[]; unexpected: string[] } {
  const counts = new Map<string, number>();
  for (const l of got) counts.set(l, (counts.get(l) ?? 0) + 1);
  const exp = new Set(expected);
  return {
    missing: expected.filter((l) => !counts.has(l)),
    duplicates: [...counts].filter(([, n]) => n > 1).map(([l]) => l),
    unexpected: [...counts.keys()].filter((l) => !exp.has(l)),
  };
}

/** TraceQL helpers for the editor's completion: Tempo's v2 tag answers as TraceQL text. */

/** Tempo's `/api/v2/search/tags` answer. */
export interface V2Tags {
  scopes?: { name: string; tags?: string[] }[];
}
/** Tempo's `/api/v2/search/tag/<t>/values` answer. */
export interface V2TagValues {
  tagValues?: { type: string; value: string }[];
}

/** Grafana's TraceQL names for Tempo's v2 tag scopes: `resource.x`, `span.x`, intrinsics bare. */
export function traceqlTagNames(r: V2Tags): string[] {
  const out = new Set<string>();
  for (const s of r.scopes ?? []) for (const t of s.tags ?? []) out.add(s.name === 'intrinsic' ? t : `${s.name}.${t}`);
  return [...out];
}

/** A value as written in TraceQL: strings quoted, numbers, durations, booleans and status/kind keywords bare. */
export function traceqlValueLiteral(v: { type: string; value: string }): string {
  return v.type === 'string' ? JSON.stringify(v.value) : v.value;
}

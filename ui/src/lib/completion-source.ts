import type { CompletionContext } from '@codemirror/autocomplete';
import { apiFetch } from './api';

/**
 * A GET under `base` remembered for the editor's lifetime (one request per path however often completion asks);
 * a failed request answers `empty` so completion just offers nothing.
 */
export function cachedGet(base: string): <T>(path: string, empty: T) => Promise<T> {
  const cache = new Map<string, Promise<unknown>>();
  return <T>(path: string, empty: T) => {
    if (!cache.has(path)) cache.set(path, apiFetch<T>(base + path).catch(() => empty));
    return cache.get(path) as Promise<T>;
  };
}

/** The text between the innermost unclosed `{` and the cursor (a LogQL selector, a TraceQL spanset filter), if any. */
export function openBraceText(ctx: CompletionContext, lookBehind = 500): { inner: string; before: string } | undefined {
  const before = ctx.state.sliceDoc(Math.max(0, ctx.pos - lookBehind), ctx.pos);
  const open = before.lastIndexOf('{');
  if (open < 0 || before.lastIndexOf('}') > open) return undefined;
  return { inner: before.slice(open + 1), before };
}

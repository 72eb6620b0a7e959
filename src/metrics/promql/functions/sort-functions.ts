import { Labels } from '../../../model/index.js';
import type { FunctionCall } from './function-call.js';

function sortAsc(a: number, b: number): number {
  if (a !== a) return b !== b ? 0 : 1;
  if (b !== b) return -1;
  return a - b;
}

function sortDesc(a: number, b: number): number {
  if (a !== a) return b !== b ? 0 : 1;
  if (b !== b) return -1;
  return b - a;
}

function natCompare(a: string, b: string): number {
  const re = /(\d+|\D+)/g;
  const pa = a.match(re) ?? [];
  const pb = b.match(re) ?? [];
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const x = pa[i];
    const y = pb[i];
    if (x === y) continue;
    const dx = /^\d/.test(x);
    const dy = /^\d/.test(y);
    if (dx && dy) {
      const d = Number(x) - Number(y);
      if (d !== 0) return d < 0 ? -1 : 1;
      return x.length < y.length ? -1 : 1;
    }
    return x < y ? -1 : 1;
  }
  return pa.length - pb.length;
}

/** sort, sort_desc (by value, floats only) and sort_by_label(_desc) (natural order of the given labels, then all labels); no-ops in range queries. */
function sortFunction(name: string): FunctionCall {
  return async (ev, e) => {
    const args = e.args;
    const vec = await ev.evalVector(args[0]);
    if (ev.ctx.isRange) {
      ev.warn('sort is ineffective for range queries since results are always ordered by labels', e);
      return { type: 'vector', series: vec };
    }
    if (name === 'sort' || name === 'sort_desc') {
      // sort and sort_desc order floats only; histogram samples are dropped.
      const floats = vec.filter((s) => !s.h?.[0]);
      floats.sort(name === 'sort' ? (a, b) => sortAsc(a.v[0], b.v[0]) : (a, b) => sortDesc(a.v[0], b.v[0]));
      return { type: 'vector', series: floats };
    }
    const lbls = (await Promise.all(args.slice(1).map((a) => ev.eval(a)))).map((v) => (v.type === 'string' ? v.v : ''));
    const desc = name === 'sort_by_label_desc';
    vec.sort((a, b) => {
      for (const l of lbls) {
        const c = natCompare(a.labels.get(l), b.labels.get(l));
        if (c !== 0) return desc ? -c : c;
      }
      const c = Labels.compare(a.labels, b.labels);
      return desc ? -c : c;
    });
    return { type: 'vector', series: vec };
  };
}

export const SORT_FUNCTIONS: Record<string, FunctionCall> = Object.fromEntries(['sort', 'sort_desc', 'sort_by_label', 'sort_by_label_desc'].map((n) => [n, sortFunction(n)]));

/** Template variables at run time: options fetched from Prometheus/Loki/datasources, current values, chaining. */
import type { Datasource } from '../lib/api';
import { autoStepMs, parsePromDuration } from '../lib/time';
import { resolveDatasource } from './datasource-ref';
import { proxyGet } from './datasources';
import { interpolate, msToDuration, type VariableValue } from './interpolate';
import { parseAdhocUrlValue } from './adhoc-url';
import type { AdhocFilter, VariableModel, VariableOption } from './model';
import {
  applyVariableRegex,
  chooseCurrent,
  customOptions,
  intervalOptions,
  parseLokiVariableQuery,
  parsePromVariableQuery,
  parseRegex,
  queryResultText,
  seriesText,
  sortOptions,
  variableQueryText,
} from './variable-query';

export interface VariableState {
  model: VariableModel;
  options: VariableOption[];
  values: string[];
  isAll: boolean;
  error?: string;
  /** Ad hoc filters (`type: adhoc`): from the URL (`var-name=key|op|value`), else the model's. */
  filters?: AdhocFilter[];
}

export interface VariableContext {
  datasources: Datasource[];
  fromMs: number;
  toMs: number;
}

/** The value interpolation uses (auto intervals computed from the range). */
export function variableValue(s: VariableState, ctx: VariableContext): VariableValue {
  const m = s.model;
  const values = s.values.map((v) => {
    if (m.type === 'interval' && v.startsWith('$__auto_interval_')) {
      const minMs = parsePromDuration(m.auto_min ?? '10s') ?? 10_000;
      return msToDuration(autoStepMs(ctx.toMs - ctx.fromMs, m.auto_count ?? 30, minMs));
    }
    return v;
  });
  const texts = s.values.map((v) => s.options.find((o) => o.value === v)?.text ?? v);
  return {
    value: m.multi ? values : (values[0] ?? ''),
    text: m.multi ? texts : (texts[0] ?? ''),
    isAll: s.isAll,
    allValue: m.allValue ?? null,
    options: s.options.map((o) => o.value),
    multi: m.multi === true,
    includeAll: m.includeAll === true,
  };
}

export function valuesMap(states: VariableState[], ctx: VariableContext): Map<string, VariableValue> {
  return new Map(states.map((s) => [s.model.name, variableValue(s, ctx)]));
}

async function promOptions(ds: Datasource, text: string, ctx: VariableContext): Promise<string[]> {
  const q = parsePromVariableQuery(text);
  const range = { start: String(Math.floor(ctx.fromMs / 1000)), end: String(Math.ceil(ctx.toMs / 1000)) };
  switch (q.kind) {
    case 'label_values':
      return proxyGet<string[]>(ds, `/api/v1/label/${encodeURIComponent(q.label)}/values`, { ...range, ...(q.match ? { 'match[]': q.match } : {}) });
    case 'label_names':
      return proxyGet<string[]>(ds, '/api/v1/labels', { ...range, ...(q.match ? { 'match[]': q.match } : {}) });
    case 'metrics': {
      const names = await proxyGet<string[]>(ds, '/api/v1/label/__name__/values', range);
      const re = parseRegex(q.regex);
      return re ? names.filter((n) => re.test(n)) : names;
    }
    case 'query_result': {
      const data = await proxyGet<{ resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] | [number, string] }>(ds, '/api/v1/query', { query: q.query, time: range.end });
      if (data.resultType === 'scalar' || data.resultType === 'string') return [queryResultText({ __name__: data.resultType }, data.result as [number, string])];
      return (data.result as { metric: Record<string, string>; value: [number, string] }[]).map((s) => queryResultText(s.metric, s.value));
    }
    case 'series':
      return (await proxyGet<Record<string, string>[]>(ds, '/api/v1/series', { ...range, 'match[]': q.match })).map(seriesText);
  }
}

async function lokiOptions(ds: Datasource, v: VariableModel, vars: ReadonlyMap<string, VariableValue>, ctx: VariableContext): Promise<string[]> {
  const q = parseLokiVariableQuery(v);
  if (!q) throw new Error(`Unsupported Loki variable query: ${variableQueryText(v)}`);
  const range = { start: String(Math.floor(ctx.fromMs * 1e6)), end: String(Math.ceil(ctx.toMs * 1e6)) };
  if (q.kind === 'label_names') return proxyGet<string[]>(ds, '/loki/api/v1/labels', range);
  const stream = q.stream ? interpolate(q.stream, vars, { defaultFormat: 'loki' }) : undefined;
  return proxyGet<string[]>(ds, `/loki/api/v1/label/${encodeURIComponent(q.label)}/values`, { ...range, ...(stream ? { query: stream } : {}) });
}

/** A variable's options (fetched for query and datasource variables), with its regex and sort applied. */
export async function loadOptions(v: VariableModel, vars: ReadonlyMap<string, VariableValue>, ctx: VariableContext): Promise<VariableOption[]> {
  switch (v.type) {
    case 'custom':
      return customOptions(interpolate(typeof v.query === 'string' ? v.query : '', vars, { defaultFormat: 'raw' }));
    case 'constant':
    case 'textbox': {
      const q = typeof v.query === 'string' ? v.query : '';
      return v.type === 'constant' || q !== '' ? [{ text: q, value: q }] : [];
    }
    case 'interval':
      return intervalOptions(v);
    case 'datasource': {
      const type = typeof v.query === 'string' ? v.query : '';
      const re = parseRegex(v.regex ? interpolate(v.regex, vars, { defaultFormat: 'raw' }) : undefined);
      const list = ctx.datasources.filter((d) => d.type === type && (!re || re.test(d.name)));
      // the default datasource first, so that it is chosen when nothing else is
      list.sort((a, b) => Number(b.isDefault) - Number(a.isDefault));
      return list.map((d) => ({ text: d.name, value: d.uid }));
    }
    case 'query': {
      const ds = resolveDatasource(v.datasource, ctx.datasources, vars);
      const text = interpolate(variableQueryText(v), vars, { defaultFormat: ds.type === 'loki' ? 'loki' : 'prometheus', scoped: rangeScope(ctx) });
      const raw = ds.type === 'loki' ? await lokiOptions(ds, v, vars, ctx) : await promOptions(ds, text, ctx);
      const regex = v.regex ? interpolate(v.regex, vars, { defaultFormat: 'raw' }) : undefined;
      return sortOptions(applyVariableRegex(raw, regex), v.sort);
    }
    default:
      return [];
  }
}

const rangeScope = (ctx: VariableContext) => ({
  __range: `${Math.round((ctx.toMs - ctx.fromMs) / 1000)}s`,
  __range_s: String(Math.round((ctx.toMs - ctx.fromMs) / 1000)),
  __from: String(ctx.fromMs),
  __to: String(ctx.toMs),
});

/**
 * Resolve variables in order, each seeing the values of those before it (chained variables); `fromIndex` keeps the
 * states before it as they are. A variable whose query fails keeps an error and no value; the rest still resolve.
 */
export async function resolveVariables(models: VariableModel[], ctx: VariableContext, urlValues: ReadonlyMap<string, string[]>, previous: VariableState[] = [], fromIndex = 0): Promise<VariableState[]> {
  const out: VariableState[] = previous.slice(0, fromIndex);
  for (let i = fromIndex; i < models.length; i++) {
    const model = models[i]!;
    const vars = valuesMap(out, ctx);
    try {
      const options = await loadOptions(model, vars, ctx);
      const fromUrl = urlValues.get(model.name);
      if (model.type === 'adhoc') {
        const filters = fromUrl ? fromUrl.map(parseAdhocUrlValue).filter((f): f is AdhocFilter => f !== undefined) : (model.filters ?? []);
        out.push({ model, options, values: [], isAll: false, filters });
        continue;
      }
      if (model.type === 'textbox') {
        const value = fromUrl?.[0] ?? (typeof model.current?.value === 'string' ? model.current.value : undefined) ?? (typeof model.query === 'string' ? model.query : '');
        out.push({ model, options, values: [value], isAll: false });
        continue;
      }
      const current = chooseCurrent(model, options, fromUrl);
      out.push({ model, options, ...current });
    } catch (e) {
      out.push({ model, options: [], values: [], isAll: false, error: (e as Error).message });
    }
  }
  return out;
}

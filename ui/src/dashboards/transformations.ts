/**
 * Grafana's data frames and the transformations real dashboards use on them: `organize`, `merge`, `reduce`,
 * `filterByValue`, `seriesToRows`, `labelsToFields`. A frame is a table of named, typed columns (fields); query
 * results become one frame per series (Time + its value field carrying the labels). Pure: no React, no fetching.
 */
import { reduce } from './display.js';

/** The query results transformations start from (a panel's data: series aligned with `xs`, in seconds). */
export interface SeriesData {
  xs: ArrayLike<number>;
  series: { refId: string; name: string; labels: Record<string, string>; values: (number | null)[] }[];
}

export type FieldValue = number | string | null;
export type FieldType = 'time' | 'number' | 'string';

export interface Field {
  name: string;
  type: FieldType;
  values: FieldValue[];
  labels?: Record<string, string>;
}

export interface Frame {
  refId: string;
  fields: Field[];
}

export interface Transformation {
  id: string;
  options?: Record<string, unknown>;
  disabled?: boolean;
}

const rowCount = (f: Frame) => f.fields[0]?.values.length ?? 0;
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** One frame per series: `Time` (ms) and the series' values named by its legend, with its labels. */
export function seriesFrames(data: SeriesData): Frame[] {
  const times = Array.from(data.xs, (x) => x * 1000);
  return data.series.map((s) => ({ refId: s.refId, fields: [{ name: 'Time', type: 'time', values: times }, { name: s.name, type: 'number', values: [...s.values], labels: s.labels }] }));
}

/**
 * Grafana's Prometheus "table" format: one frame per query, a row per series with its labels as columns and its
 * last value as `Value` (`Value #A` when the panel has several queries).
 */
export function tableFrames(data: SeriesData): Frame[] {
  const refIds = [...new Set(data.series.map((s) => s.refId))];
  return refIds.map((refId) => {
    const series = data.series.filter((s) => s.refId === refId);
    const labelNames = [...new Set(series.flatMap((s) => Object.keys(s.labels)))].sort();
    const fields: Field[] = labelNames.map((n) => ({ name: n, type: 'string', values: series.map((s) => s.labels[n] ?? '') }));
    fields.push({ name: refIds.length > 1 ? `Value #${refId}` : 'Value', type: 'number', values: series.map((s) => reduce(s.values, 'lastNotNull')) });
    return { refId, fields };
  });
}

/** `organize`: drop (`excludeByName`), reorder (`indexByName`) and rename (`renameByName`) fields. */
function organize(frames: Frame[], o: Record<string, unknown>): Frame[] {
  const exclude = isObj(o.excludeByName) ? o.excludeByName : {};
  const index = isObj(o.indexByName) ? o.indexByName : {};
  const rename = isObj(o.renameByName) ? o.renameByName : {};
  const at = (f: Field) => (typeof index[f.name] === 'number' ? (index[f.name] as number) : Infinity);
  return frames.map((fr) => ({
    ...fr,
    fields: fr.fields
      .filter((f) => exclude[f.name] !== true)
      .map((f, i) => ({ f, i }))
      .sort((a, b) => at(a.f) - at(b.f) || a.i - b.i)
      .map(({ f }) => (typeof rename[f.name] === 'string' && rename[f.name] !== '' ? { ...f, name: rename[f.name] as string } : f)),
  }));
}

/** `merge`: all frames as one table; rows agreeing on every time and text field they have become one row. */
function merge(frames: Frame[]): Frame[] {
  if (frames.length < 2) return frames;
  const fields: Field[] = [];
  const byName = new Map<string, Field>();
  for (const fr of frames) {
    for (const f of fr.fields) {
      if (!byName.has(f.name)) {
        const nf: Field = { name: f.name, type: f.type, values: [] };
        byName.set(f.name, nf);
        fields.push(nf);
      }
    }
  }
  const rows: Map<string, FieldValue>[] = [];
  for (const fr of frames) {
    // a row joins an earlier one that has every text/time column of this frame with the same values, and none of
    // its numbers yet (a query without `version` joins the row of one with it on cluster, job, instance)
    const keys = fr.fields.filter((f) => f.type !== 'number').map((f) => f.name);
    const keyOf = (row: Map<string, FieldValue>) => (keys.every((k) => row.has(k)) ? JSON.stringify(keys.map((k) => row.get(k) ?? null)) : undefined);
    const earlier = new Map<string, Map<string, FieldValue>>();
    for (const row of rows) {
      const key = keyOf(row);
      if (key !== undefined && !earlier.has(key)) earlier.set(key, row);
    }
    for (let r = 0; r < rowCount(fr); r++) {
      const row = new Map(fr.fields.map((f) => [f.name, f.values[r] ?? null] as const));
      const existing = earlier.get(keyOf(row)!);
      if (existing && fr.fields.every((f) => f.type !== 'number' || existing.get(f.name) === undefined || existing.get(f.name) === null)) {
        for (const [k, v] of row) if (v !== null) existing.set(k, v);
      } else {
        rows.push(row);
      }
    }
  }
  for (const f of fields) f.values = rows.map((row) => row.get(f.name) ?? null);
  return [{ refId: frames[0]!.refId, fields }];
}

/** Grafana's column titles for its reducers. */
const REDUCER_TITLES: Record<string, string> = {
  lastNotNull: 'Last *', last: 'Last', firstNotNull: 'First *', first: 'First', mean: 'Mean', max: 'Max', min: 'Min',
  sum: 'Total', count: 'Count', range: 'Range', diff: 'Difference', delta: 'Delta', median: 'Median',
};

const numbersOf = (f: Field) => f.values.map((v) => (typeof v === 'number' ? v : null));

/**
 * `reduce`: `seriesToRows` (default) gives one table, a row per number field (`Field` and a column per reducer);
 * `reduceFields` keeps each frame with each number field reduced to one value per reducer.
 */
function reduceFrames(frames: Frame[], o: Record<string, unknown>): Frame[] {
  const reducers = Array.isArray(o.reducers) && o.reducers.length ? (o.reducers as string[]) : ['lastNotNull'];
  if (o.mode === 'reduceFields') {
    return frames.map((fr) => ({
      ...fr,
      fields: fr.fields
        .filter((f) => f.type === 'number' || (o.includeTimeField === true && f.type === 'time'))
        .map((f) => ({ ...f, type: 'number' as const, values: reducers.map((r) => reduce(f.type === 'time' ? (f.values as number[]) : numbersOf(f), r)) })),
    }));
  }
  const names: string[] = [];
  const columns = reducers.map(() => [] as FieldValue[]);
  const labelNames = new Set<string>();
  const labels: Record<string, string>[] = [];
  for (const fr of frames) {
    for (const f of fr.fields) {
      if (f.type !== 'number') continue;
      names.push(f.name);
      labels.push(f.labels ?? {});
      for (const k of Object.keys(f.labels ?? {})) labelNames.add(k);
      reducers.forEach((r, i) => columns[i]!.push(reduce(numbersOf(f), r)));
    }
  }
  const fields: Field[] = [{ name: 'Field', type: 'string', values: names }];
  if (o.labelsToFields === true) for (const k of [...labelNames].sort()) fields.push({ name: k, type: 'string', values: labels.map((l) => l[k] ?? null) });
  reducers.forEach((r, i) => fields.push({ name: REDUCER_TITLES[r] ?? r, type: 'number', values: columns[i]! }));
  return [{ refId: frames[0]?.refId ?? 'A', fields }];
}

interface ValueFilter {
  fieldName?: string;
  config?: { id?: string; options?: Record<string, unknown> };
}

/** One of Grafana's value matchers on one value. */
function valueMatches(v: FieldValue, id: string | undefined, o: Record<string, unknown>): boolean {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  const ref = typeof o.value === 'number' ? o.value : Number(o.value);
  switch (id) {
    case 'isNull':
      return v === null;
    case 'isNotNull':
      return v !== null;
    case 'greater':
      return n > ref;
    case 'greaterOrEqual':
      return n >= ref;
    case 'lower':
      return n < ref;
    case 'lowerOrEqual':
      return n <= ref;
    case 'equal':
      return v === o.value || n === ref;
    case 'notEqual':
      return !(v === o.value || n === ref);
    case 'range':
      return n >= Number(o.from) && n <= Number(o.to);
    case 'regex':
      try {
        return new RegExp(String(o.value ?? '')).test(v === null ? '' : String(v));
      } catch {
        return false;
      }
    default:
      return false;
  }
}

/** `filterByValue`: keep (`include`) or drop (`exclude`) the rows where any / all of the conditions hold. */
function filterByValue(frames: Frame[], o: Record<string, unknown>): Frame[] {
  const filters = (Array.isArray(o.filters) ? o.filters : []) as ValueFilter[];
  if (!filters.length) return frames;
  const include = o.type !== 'exclude';
  const all = o.match === 'all';
  return frames.map((fr) => {
    const keep: number[] = [];
    for (let r = 0; r < rowCount(fr); r++) {
      const results = filters.map((flt) => {
        const f = fr.fields.find((x) => x.name === flt.fieldName);
        return f !== undefined && valueMatches(f.values[r] ?? null, flt.config?.id, flt.config?.options ?? {});
      });
      const hit = all ? results.every(Boolean) : results.some(Boolean);
      if (hit === include) keep.push(r);
    }
    return { ...fr, fields: fr.fields.map((f) => ({ ...f, values: keep.map((r) => f.values[r] ?? null) })) };
  });
}

/** `seriesToRows`: every series' points as rows of one table (`Time`, `Metric`, `Value`), newest first. */
function seriesToRows(frames: Frame[]): Frame[] {
  if (frames.length < 2) return frames;
  const rows: [number, string, FieldValue][] = [];
  for (const fr of frames) {
    const time = fr.fields.find((f) => f.type === 'time');
    if (!time) return frames;
    for (const f of fr.fields) {
      if (f.type !== 'number') continue;
      f.values.forEach((v, i) => rows.push([Number(time.values[i]), f.name, v]));
    }
  }
  rows.sort((a, b) => b[0] - a[0]);
  return [{ refId: frames[0]!.refId, fields: [{ name: 'Time', type: 'time', values: rows.map((r) => r[0]) }, { name: 'Metric', type: 'string', values: rows.map((r) => r[1]) }, { name: 'Value', type: 'number', values: rows.map((r) => r[2]) }] }];
}

/**
 * `labelsToFields`: `columns` (default) adds each label of a value field as a text column and names the value
 * `Value` (or by the `valueLabel` label's value); `keepLabels` limits the labels. `rows`: a `label`/`value` table.
 */
function labelsToFields(frames: Frame[], o: Record<string, unknown>): Frame[] {
  const keep = Array.isArray(o.keepLabels) && o.keepLabels.length ? new Set(o.keepLabels as string[]) : undefined;
  const valueLabel = typeof o.valueLabel === 'string' && o.valueLabel !== '' ? o.valueLabel : undefined;
  const wanted = (labels: Record<string, string>) => Object.keys(labels).filter((k) => (!keep || keep.has(k)) && k !== valueLabel && k !== '__name__');
  if (o.mode === 'rows') {
    return frames.flatMap((fr) =>
      fr.fields
        .filter((f) => f.labels)
        .map((f) => {
          const names = wanted(f.labels!);
          return { refId: fr.refId, fields: [{ name: 'label', type: 'string' as const, values: names }, { name: 'value', type: 'string' as const, values: names.map((k) => f.labels![k]!) }] };
        }),
    );
  }
  return frames.map((fr) => {
    const fields: Field[] = [];
    for (const f of fr.fields) {
      if (f.type !== 'number' || !f.labels) {
        fields.push(f);
        continue;
      }
      for (const k of wanted(f.labels)) if (!fields.some((x) => x.name === k)) fields.push({ name: k, type: 'string', values: f.values.map(() => f.labels![k]!) });
      const name = valueLabel && f.labels[valueLabel] !== undefined ? f.labels[valueLabel] : 'Value';
      fields.push({ name, type: 'number', values: f.values });
    }
    return { ...fr, fields };
  });
}

const TRANSFORMS: Record<string, (frames: Frame[], o: Record<string, unknown>) => Frame[]> = {
  organize,
  merge: (f) => merge(f),
  reduce: reduceFrames,
  filterByValue,
  seriesToRows: (f) => seriesToRows(f),
  labelsToFields,
};

/** The panel's transformations in order; disabled ones are skipped, unknown ones named in `unsupported`. */
export function applyTransformations(frames: Frame[], list: readonly Transformation[] | undefined): { frames: Frame[]; unsupported: string[] } {
  const unsupported: string[] = [];
  let out = frames;
  for (const t of list ?? []) {
    if (t.disabled) continue;
    const fn = TRANSFORMS[t.id];
    if (!fn) {
      unsupported.push(t.id);
      continue;
    }
    out = fn(out, t.options ?? {});
  }
  return { frames: out, unsupported };
}

import { DashboardSaveError, type DashboardJson } from './dashboard-store.js';

interface KnownDatasource {
  uid: string;
  name: string;
  type: string;
}

/**
 * Grafana's import of a grafana.com export: every `${NAME}` of the dashboard's `__inputs` is replaced by the
 * value given in `inputs` (a datasource's uid or name for datasource inputs, the text for constants), then
 * `__inputs` is dropped. A datasource input without a value takes the first datasource of its plugin type.
 */
export function applyImportInputs(dashboard: DashboardJson, inputs: Record<string, unknown>[], datasources: KnownDatasource[]): DashboardJson {
  const declared = Array.isArray(dashboard.__inputs) ? (dashboard.__inputs as unknown[]).filter((i): i is Record<string, unknown> => typeof i === 'object' && i !== null) : [];
  const values = new Map<string, string>();
  for (const d of declared) {
    const name = typeof d.name === 'string' ? d.name : '';
    if (!name) continue;
    const given = inputs.find((i) => i.name === name);
    const raw = given && typeof given.value === 'string' ? given.value : undefined;
    if (d.type === 'datasource') {
      const plugin = typeof d.pluginId === 'string' ? d.pluginId : typeof given?.pluginId === 'string' ? given.pluginId : '';
      const ds = raw !== undefined ? datasources.find((x) => x.uid === raw || x.name === raw) : datasources.find((x) => x.type === plugin);
      if (!ds) throw new DashboardSaveError(400, 'input-missing', raw !== undefined ? `Data source not found: ${raw}` : `Dashboard input missing: ${name}`);
      values.set(name, ds.uid);
    } else {
      const v = raw ?? (typeof d.value === 'string' ? d.value : undefined);
      if (v === undefined) throw new DashboardSaveError(400, 'input-missing', `Dashboard input missing: ${name}`);
      values.set(name, v);
    }
  }
  const replace = (v: unknown): unknown => {
    if (typeof v === 'string') return v.replace(/\$\{([A-Za-z0-9_]+)\}/g, (m, n: string) => values.get(n) ?? m);
    if (Array.isArray(v)) return v.map(replace);
    if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, replace(x)]));
    return v;
  };
  const { __inputs: _i, ...rest } = dashboard;
  return replace(rest) as DashboardJson;
}

/** Which datasource a panel, query or variable uses (pure: no fetch). */
import { interpolate, type VariableValue } from './interpolate.js';
import type { DatasourceRef } from './model.js';

/** What resolving needs of a datasource. */
export interface KnownDatasource {
  uid: string;
  name: string;
  type: string;
  isDefault: boolean;
}

export class DashboardQueryError extends Error {
  override name = 'DashboardQueryError';
}

/**
 * Resolve a reference (`{type, uid}`, a name or uid string, `$var`/`${var}`, or null for the default) against the
 * datasources. A reference left as an unmapped import input (`${DS_PROMETHEUS}`) falls back to the default
 * datasource of its type, as Grafana does when the variable does not exist.
 */
export function resolveDatasource<D extends KnownDatasource>(ref: DatasourceRef | string | null | undefined, list: D[], vars: ReadonlyMap<string, VariableValue>): D {
  const byType = (type: string | undefined) => (type ? (list.find((d) => d.type === type && d.isDefault) ?? list.find((d) => d.type === type)) : undefined);
  const fallback = () => list.find((d) => d.isDefault) ?? list[0];
  if (ref === null || ref === undefined || ref === '' || ref === 'default') {
    const d = fallback();
    if (!d) throw new DashboardQueryError('No datasource configured');
    return d;
  }
  const raw = typeof ref === 'string' ? ref : (ref.uid ?? '');
  const type = typeof ref === 'string' ? undefined : ref.type;
  if (raw === '') {
    const d = byType(type) ?? fallback();
    if (!d) throw new DashboardQueryError('No datasource configured');
    return d;
  }
  const key = interpolate(raw, vars, { defaultFormat: 'raw' });
  const found = list.find((d) => d.uid === key) ?? list.find((d) => d.name === key);
  if (found) return found;
  if (key.startsWith('$')) {
    const d = byType(type);
    if (d) return d;
  }
  throw new DashboardQueryError(`Datasource ${key} was not found`);
}


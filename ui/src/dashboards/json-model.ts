/**
 * Dashboard settings → JSON Model (pure): the dashboard as the text an editor changes, and that text read back
 * through the same schema migrations the server applies to a loaded dashboard (so an old export pasted here opens
 * as it would when loaded). Invalid text gives a message and no dashboard.
 */
import { migrateDashboard } from '../../../src/ui/dashboards/schema-migrations.js';
import type { Dashboard } from './model.js';

/** The datasource fields the migrations read (the app's datasource list has them). */
export interface DatasourceRefs {
  uid: string;
  name: string;
  type: string;
  isDefault?: boolean;
}

/** The dashboard as the JSON Model's text (two-space indentation, as Grafana shows it). */
export function jsonModelText(d: Dashboard): string {
  return JSON.stringify(d, null, 2);
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The JSON Model's text as a dashboard (migrated), or why it is not one. */
export function parseJsonModel(text: string, datasources: readonly DatasourceRefs[]): { dashboard: Dashboard; error?: undefined } | { error: string } {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    return { error: `Invalid JSON: ${(e as Error).message}` };
  }
  if (!isObj(v)) return { error: 'The dashboard JSON must be an object' };
  if ('panels' in v && !Array.isArray(v.panels)) return { error: '"panels" must be an array' };
  if ('links' in v && !Array.isArray(v.links)) return { error: '"links" must be an array' };
  if ('templating' in v && !(isObj(v.templating) && (v.templating.list === undefined || Array.isArray(v.templating.list)))) return { error: '"templating.list" must be an array' };
  if ('title' in v && typeof v.title !== 'string') return { error: '"title" must be a string' };
  return { dashboard: migrateDashboard(v, [...datasources]) as Dashboard };
}

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import * as z from 'zod';
import type { Logger } from 'pino';
import type { DatasourceInput, DatasourceStore } from './datasource-store.js';
import { DATASOURCE_TYPES, UID_RE, uidFromName } from './datasource-store.js';

export class ProvisioningError extends Error {
  override name = 'ProvisioningError';
}

/**
 * Grafana's provisioning interpolation: `$$` is a literal `$`; `$VAR`, `${VAR}` and `$__env{VAR}` take the
 * environment variable (empty when unset).
 */
export function expandProvisioningEnv(text: string, env: NodeJS.ProcessEnv = process.env): string {
  return text.replace(/\$\$|\$__env\{(\w+)\}|\$\{(\w+)\}|\$([A-Za-z_]\w*)/g, (m, a?: string, b?: string, c?: string) => {
    if (m === '$$') return '$';
    return env[(a ?? b ?? c)!] ?? '';
  });
}

const provisionedDatasource = z.looseObject({
  name: z.string().min(1),
  type: z.string().min(1),
  uid: z.string().regex(UID_RE, 'uid: 1-40 characters of a-z, A-Z, 0-9, - and _').optional(),
  orgId: z.number().int().optional(),
  url: z.string().default(''),
  access: z.enum(['proxy', 'direct']).default('proxy'),
  isDefault: z.boolean().default(false),
  basicAuth: z.boolean().default(false),
  basicAuthUser: z.string().default(''),
  database: z.string().default(''),
  user: z.string().default(''),
  withCredentials: z.boolean().default(false),
  editable: z.boolean().default(false),
  version: z.number().int().optional(),
  jsonData: z.record(z.string(), z.unknown()).default({}),
  secureJsonData: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String)).default({}),
  /** Pre-secureJsonData spellings Grafana still accepts. */
  password: z.string().optional(),
  basicAuthPassword: z.string().optional(),
});

const provisioningFile = z.looseObject({
  apiVersion: z.number().int().min(0).max(1).default(0),
  datasources: z.array(provisionedDatasource).default([]),
  deleteDatasources: z.array(z.looseObject({ name: z.string(), orgId: z.number().int().optional() })).default([]),
});

export interface ProvisionedDatasources {
  upsert: (DatasourceInput & { editable: boolean })[];
  delete: string[];
  files: string[];
}

/** Read every `*.yaml`/`*.yml` of `<folder>/datasources` (Grafana's layout) or of `<folder>` itself. */
export function readProvisioningFolder(folder: string, env: NodeJS.ProcessEnv = process.env): ProvisionedDatasources {
  const dir = existsSync(join(folder, 'datasources')) && statSync(join(folder, 'datasources')).isDirectory() ? join(folder, 'datasources') : folder;
  if (!existsSync(dir)) throw new ProvisioningError(`provisioning folder ${folder} does not exist`);
  const files = readdirSync(dir).filter((f) => /\.ya?ml$/i.test(f)).sort().map((f) => join(dir, f));
  const out: ProvisionedDatasources = { upsert: [], delete: [], files };
  for (const file of files) {
    const p = parseProvisioningYaml(readFileSync(file, 'utf8'), file, env);
    out.upsert.push(...p.upsert);
    out.delete.push(...p.delete);
  }
  const defaults = out.upsert.filter((d) => d.isDefault);
  if (defaults.length > 1) throw new ProvisioningError(`datasource.yaml config is invalid. Only one datasource per organization can be marked as default (${defaults.map((d) => d.name).join(', ')})`);
  const seen = new Set<string>();
  for (const d of out.upsert) {
    if (seen.has(d.name)) throw new ProvisioningError(`datasource ${JSON.stringify(d.name)} is provisioned more than once`);
    seen.add(d.name);
  }
  return out;
}

export function parseProvisioningYaml(text: string, file: string, env: NodeJS.ProcessEnv = process.env): Omit<ProvisionedDatasources, 'files'> {
  let raw: unknown;
  try {
    raw = parseYaml(expandProvisioningEnv(text, env));
  } catch (e) {
    throw new ProvisioningError(`${file}: ${(e as Error).message}`);
  }
  if (raw === null || raw === undefined) return { upsert: [], delete: [] };
  const r = provisioningFile.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new ProvisioningError(`${file}: ${i.path.join('.') || '(root)'}: ${i.message}`);
  }
  const upsert = r.data.datasources.map((d, i) => {
    if (!(DATASOURCE_TYPES as readonly string[]).includes(d.type)) {
      throw new ProvisioningError(`${file}: datasources.${i}.type: unsupported type ${JSON.stringify(d.type)} (one of ${DATASOURCE_TYPES.join(', ')})`);
    }
    const secure = { ...d.secureJsonData };
    if (d.password !== undefined) secure.password ??= d.password;
    if (d.basicAuthPassword !== undefined) secure.basicAuthPassword ??= d.basicAuthPassword;
    return {
      uid: d.uid ?? uidFromName(d.name),
      name: d.name,
      type: d.type,
      url: d.url,
      access: d.access,
      isDefault: d.isDefault,
      basicAuth: d.basicAuth,
      basicAuthUser: d.basicAuthUser,
      database: d.database,
      user: d.user,
      withCredentials: d.withCredentials,
      jsonData: d.jsonData,
      secureJsonData: secure,
      editable: d.editable,
    };
  });
  return { upsert, delete: r.data.deleteDatasources.map((d) => d.name) };
}

/** Apply provisioned datasources: deletions first, then create or update by name (Grafana's matching). */
export async function applyProvisioning(store: DatasourceStore, p: Omit<ProvisionedDatasources, 'files'>, logger: Logger): Promise<void> {
  for (const name of p.delete) {
    const row = await store.byName(name);
    if (row) {
      await store.delete(row.id);
      logger.info({ component: 'ui', datasource: name }, 'deleted provisioned datasource');
    }
  }
  for (const d of p.upsert) {
    const existing = (await store.byName(d.name)) ?? (d.uid ? await store.byUid(d.uid) : undefined);
    if (existing) await store.update(existing.id, d, { readOnly: !d.editable });
    else await store.create(d, !d.editable);
  }
}

/** The single-process default: datasources for Sightline's own Prometheus, Loki, Tempo and Alertmanager APIs, linked together. */
export function selfDatasources(urls: { prometheus: string; loki: string; tempo: string; alertmanager: string }): Omit<ProvisionedDatasources, 'files'> {
  return {
    delete: [],
    upsert: [
      { uid: 'prometheus', name: 'Prometheus', type: 'prometheus', url: urls.prometheus, access: 'proxy', isDefault: true, editable: false, jsonData: { httpMethod: 'POST', timeInterval: '15s' } },
      {
        uid: 'loki',
        name: 'Loki',
        type: 'loki',
        url: urls.loki,
        access: 'proxy',
        editable: false,
        jsonData: { maxLines: 1000, derivedFields: [{ datasourceUid: 'tempo', matcherRegex: '"trace_id":"(\\w+)"', name: 'TraceID', url: '${__value.raw}' }] },
      },
      {
        uid: 'tempo',
        name: 'Tempo',
        type: 'tempo',
        url: urls.tempo,
        access: 'proxy',
        editable: false,
        jsonData: {
          tracesToLogs: { datasourceUid: 'loki', mapTagNamesEnabled: true, tags: ['pod', 'namespace'], filterByTraceID: true },
          tracesToMetrics: { datasourceUid: 'prometheus' },
          serviceMap: { datasourceUid: 'prometheus' },
          search: { hide: false },
          nodeGraph: { enabled: true },
        },
      },
      { uid: 'alertmanager', name: 'Alertmanager', type: 'alertmanager', url: urls.alertmanager, access: 'proxy', editable: false, jsonData: { implementation: 'prometheus', handleGrafanaManagedAlerts: false } },
    ],
  };
}

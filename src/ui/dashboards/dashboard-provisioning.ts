import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import type { Logger } from 'pino';
import { parse as parseYaml } from 'yaml';
import * as z from 'zod';
import { expandProvisioningEnv, ProvisioningError } from '../datasources/provisioning.js';
import type { DashboardJson, DashboardStore } from './dashboard-store.js';

/** One provider of Grafana's dashboard provisioning files (`apiVersion: 1`, `providers:`). */
const providerSchema = z
  .object({
    name: z.string().min(1),
    orgId: z.number().int().default(1),
    folder: z.string().default(''),
    folderUid: z.string().default(''),
    type: z.literal('file').default('file'),
    disableDeletion: z.boolean().default(false),
    editable: z.boolean().default(true),
    updateIntervalSeconds: z.number().int().min(1).default(10),
    allowUiUpdates: z.boolean().default(false),
    options: z.object({ path: z.string().min(1), foldersFromFilesStructure: z.boolean().default(false) }).passthrough(),
  })
  .passthrough();
const fileSchema = z.object({ apiVersion: z.number().int().default(1), providers: z.array(providerSchema).default([]) }).passthrough();

export type DashboardProvider = z.output<typeof providerSchema>;

/** Providers from the `*.yaml` files of `<provisioning>/dashboards` (none when that folder does not exist). */
export function readDashboardProviders(provisioningPath: string, env: NodeJS.ProcessEnv = process.env): DashboardProvider[] {
  const dir = join(provisioningPath, 'dashboards');
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return [];
  const out: DashboardProvider[] = [];
  for (const f of readdirSync(dir).filter((n) => /\.ya?ml$/i.test(n)).sort()) {
    const file = join(dir, f);
    let raw: unknown;
    try {
      raw = parseYaml(expandProvisioningEnv(readFileSync(file, 'utf8'), env));
    } catch (e) {
      throw new ProvisioningError(`${file}: ${(e as Error).message}`);
    }
    const r = fileSchema.safeParse(raw ?? {});
    if (!r.success) {
      const i = r.error.issues[0];
      throw new ProvisioningError(`${file}: ${i.path.join('.')}: ${i.message}`);
    }
    out.push(...r.data.providers);
  }
  return out;
}

function jsonFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...jsonFiles(p));
    else if (e.isFile() && e.name.toLowerCase().endsWith('.json')) out.push(p);
  }
  return out.sort();
}

/**
 * Keeps the store in line with the providers' folders of JSON files: new and changed files are saved (owned by
 * the provider), dashboards whose file is gone are removed; polled every `updateIntervalSeconds`.
 */
export class DashboardProvisioner {
  private readonly seen = new Map<string, string>();
  private timers: NodeJS.Timeout[] = [];

  constructor(
    private readonly store: DashboardStore,
    private readonly providers: DashboardProvider[],
    private readonly logger: Logger,
  ) {}

  /** One pass over every provider. */
  async syncAll(): Promise<void> {
    for (const p of this.providers) await this.sync(p);
  }

  start(): void {
    for (const p of this.providers) {
      const t = setInterval(() => this.sync(p).catch((err: unknown) => this.logger.warn({ component: 'ui', provider: p.name, err }, 'dashboard provisioning failed')), p.updateIntervalSeconds * 1000);
      t.unref();
      this.timers.push(t);
    }
  }
  stop(): void {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
  }

  private async folderFor(p: DashboardProvider, file: string): Promise<string> {
    let title = p.folder;
    let uid = p.folderUid || undefined;
    if (p.options.foldersFromFilesStructure) {
      const rel = dirname(relative(p.options.path, file));
      if (rel === '.') return '';
      title = basename(rel);
      uid = undefined;
    }
    if (!title) return '';
    const existing = (uid && (await this.store.folderByUid(uid))) || (await this.store.folderByTitle(title));
    if (existing) return existing.uid;
    return (await this.store.createFolder(title, uid, 'provisioning', p.name)).uid;
  }

  async sync(p: DashboardProvider): Promise<void> {
    const files = jsonFiles(p.options.path);
    const present = new Set(files);
    for (const file of files) {
      const st = statSync(file);
      const stamp = `${st.mtimeMs}:${st.size}`;
      if (this.seen.get(file) === stamp) continue;
      let dashboard: DashboardJson;
      try {
        const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not a JSON object');
        dashboard = parsed as DashboardJson;
      } catch (e) {
        this.logger.warn({ component: 'ui', provider: p.name, file, err: (e as Error).message }, 'provisioned dashboard file is not valid JSON; skipped');
        this.seen.set(file, stamp);
        continue;
      }
      const folderUid = await this.folderFor(p, file);
      const { id: _id, ...rest } = dashboard;
      await this.store.save({
        dashboard: { ...rest, editable: p.editable ? rest.editable ?? true : false },
        folderUid,
        message: '',
        overwrite: true,
        user: 'provisioning',
        provisioned: { provider: p.name, externalId: file, allowUiUpdates: p.allowUiUpdates, disableDeletion: p.disableDeletion },
      });
      this.seen.set(file, stamp);
      this.logger.info({ component: 'ui', provider: p.name, file }, 'dashboard provisioned');
    }
    // Files removed from disk take their dashboards with them.
    for (const row of await this.store.listAll()) {
      if (row.provisioned === p.name && !present.has(row.provisioned_external_id)) {
        await this.store.delete(row.id);
        this.seen.delete(row.provisioned_external_id);
      }
    }
  }
}

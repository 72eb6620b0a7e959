import { readFileSync, watch, type FSWatcher } from 'node:fs';
import { dirname, extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import * as z from 'zod';
import { lazySchema } from '../../config/index.js';
import type { Logger } from '../../server/index.js';
import { expandGlob, type FileSdConfig } from '../promconfig/index.js';
import type { Discoverer, TargetGroup } from './target-group.js';

const labelNameRe = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const fileSchema = lazySchema(() => z.array(
  z.strictObject({
    targets: z.array(z.string()).default([]),
    labels: z
      .record(z.string(), z.preprocess((v) => (typeof v === 'number' || typeof v === 'boolean' ? String(v) : v), z.string()))
      .default({})
      .superRefine((o, ctx) => {
        for (const k of Object.keys(o)) if (!labelNameRe.test(k)) ctx.addIssue({ code: 'custom', path: [k], message: `invalid label name ${JSON.stringify(k)}` });
      }),
  }),
));

export interface FileSdHooks {
  logger?: Logger;
  onReadError?: () => void;
  /** Called after each successful read of the file set (for tests and metrics). */
  onRefresh?: () => void;
}

/** Read one file_sd file (JSON or YAML) into groups with `__meta_filepath`. Throws with the file name on error. */
export function readTargetFile(file: string): TargetGroup[] {
  const text = readFileSync(file, 'utf8');
  const ext = extname(file).toLowerCase();
  let data: unknown;
  try {
    data = ext === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    throw new Error(`error reading file ${JSON.stringify(file)}: ${(e as Error).message}`, { cause: e });
  }
  if (data === null || data === undefined) data = [];
  const r = fileSchema.safeParse(data);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new Error(`error reading file ${JSON.stringify(file)}: ${i.path.join('.')}: ${i.message}`);
  }
  return r.data.map((g, i) => ({
    source: `${file}:${i}`,
    targets: g.targets.map((t) => ({ __address__: t })),
    labels: { ...g.labels, __meta_filepath: file },
  }));
}

/**
 * `file_sd_configs`: reads the files matching the patterns, re-reads them when their directories change (fs.watch)
 * and every `refresh_interval`. A file that cannot be read or parsed keeps its last good groups, as in Prometheus.
 */
export class FileDiscoverer implements Discoverer {
  private timer: NodeJS.Timeout | undefined;
  private debounce: NodeJS.Timeout | undefined;
  private watchers: FSWatcher[] = [];
  /** file -> number of groups last announced */
  private lastCounts = new Map<string, number>();
  private onUpdate: ((g: TargetGroup[]) => void) | undefined;
  private stopped = false;

  constructor(
    private readonly cfg: FileSdConfig,
    private readonly hooks: FileSdHooks = {},
  ) {}

  start(onUpdate: (groups: TargetGroup[]) => void): void {
    this.onUpdate = onUpdate;
    for (const dir of new Set(this.cfg.files.map((f) => dirname(f)))) {
      try {
        const w = watch(dir, () => this.schedule());
        w.on('error', () => {});
        this.watchers.push(w);
      } catch (e) {
        this.hooks.logger?.error({ err: (e as Error).message, dir }, 'file_sd: cannot watch directory');
      }
    }
    this.refresh();
    if (this.cfg.refresh_interval > 0) this.timer = setInterval(() => this.refresh(), this.cfg.refresh_interval);
  }

  private schedule(): void {
    if (this.debounce || this.stopped) return;
    this.debounce = setTimeout(() => {
      this.debounce = undefined;
      this.refresh();
    }, 50);
  }

  refresh(): void {
    if (this.stopped || !this.onUpdate) return;
    const out: TargetGroup[] = [];
    const seen = new Set<string>();
    for (const pattern of this.cfg.files) {
      for (const file of expandGlob(pattern)) {
        seen.add(file);
        let groups: TargetGroup[];
        try {
          groups = readTargetFile(file);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
            seen.delete(file);
            continue;
          }
          this.hooks.onReadError?.();
          this.hooks.logger?.error({ err: (e as Error).message, file }, 'file_sd: error reading file');
          continue; // keep the last good groups of this file
        }
        const prev = this.lastCounts.get(file) ?? 0;
        for (let i = groups.length; i < prev; i++) out.push({ source: `${file}:${i}`, targets: [], labels: {} });
        this.lastCounts.set(file, groups.length);
        out.push(...groups);
      }
    }
    for (const [file, n] of this.lastCounts) {
      if (seen.has(file)) continue;
      for (let i = 0; i < n; i++) out.push({ source: `${file}:${i}`, targets: [], labels: {} });
      this.lastCounts.delete(file);
    }
    this.onUpdate(out);
    this.hooks.onRefresh?.();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.debounce) clearTimeout(this.debounce);
    for (const w of this.watchers) w.close();
    this.watchers = [];
  }
}

import { existsSync, mkdirSync, readdirSync, renameSync, statSync, unlinkSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import * as z from 'zod';
import { countItems, encodeExportRequest, exportRequestToJson } from '../../otlp/index.js';
import type { ExporterFactory } from '../components.js';
import { goDurationMs } from '../config/go-duration.js';
import { permanentError, type ExportRequest } from '../pipeline/consumer.js';

const schema = z.strictObject({
  path: z.string().min(1, 'path must be non-empty'),
  format: z.enum(['json', 'proto']).default('json'),
  append: z.boolean().default(false),
  rotation: z
    .strictObject({
      max_megabytes: z.number().int().nonnegative().default(100),
      max_days: z.number().int().nonnegative().default(0),
      max_backups: z.number().int().nonnegative().default(100),
      localtime: z.boolean().default(false),
    })
    .nullish(),
  // Node 20 has no zstd: only uncompressed files.
  compression: z.literal('').default(''),
  flush_interval: goDurationMs.default(1000),
  encoding: z.string().optional(),
});

type FileExporterConfig = z.output<typeof schema>;

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** lumberjack's backup time stamp, `2006-01-02T15-04-05.000`, in UTC unless `localtime`. */
export function backupStamp(d: Date, local: boolean): string {
  const [y, mo, da, h, mi, s, ms] = local
    ? [d.getFullYear(), d.getMonth() + 1, d.getDate(), d.getHours(), d.getMinutes(), d.getSeconds(), d.getMilliseconds()]
    : [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), d.getUTCMilliseconds()];
  return `${y}-${pad(mo)}-${pad(da)}T${pad(h)}-${pad(mi)}-${pad(s)}.${pad(ms, 3)}`;
}

/**
 * Appends records to a file, rotating it as the Collector's file exporter does (through lumberjack) when a write
 * would take it over `max_megabytes`: the file is renamed `<name>-<time><ext>`, a new one started, and backups beyond
 * `max_backups` or older than `max_days` removed.
 */
export class RotatingFile {
  private fh: FileHandle | undefined;
  private size = 0;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly cfg: FileExporterConfig,
    private readonly now: () => Date = () => new Date(),
  ) {}

  private async openFile(truncate: boolean): Promise<void> {
    mkdirSync(dirname(this.cfg.path), { recursive: true });
    this.fh = await open(this.cfg.path, truncate ? 'w' : 'a');
    this.size = (await this.fh.stat()).size;
  }

  async start(): Promise<void> {
    // lumberjack (rotation) always appends to an existing file; otherwise `append` decides.
    await this.openFile(!this.cfg.rotation && !this.cfg.append);
  }

  private async rotate(): Promise<void> {
    await this.fh?.close();
    const ext = extname(this.cfg.path);
    const stem = basename(this.cfg.path, ext);
    const dir = dirname(this.cfg.path);
    // Two rotations within a millisecond would share a name: the later one takes the next free millisecond.
    let t = this.now().getTime();
    while (existsSync(join(dir, `${stem}-${backupStamp(new Date(t), this.cfg.rotation!.localtime)}${ext}`))) t++;
    renameSync(this.cfg.path, join(dir, `${stem}-${backupStamp(new Date(t), this.cfg.rotation!.localtime)}${ext}`));
    await this.openFile(true);
    this.prune(dir, stem, ext);
  }

  private prune(dir: string, stem: string, ext: string): void {
    const r = this.cfg.rotation!;
    const backups = readdirSync(dir)
      .filter((f) => f.startsWith(`${stem}-`) && f.endsWith(ext) && f !== basename(this.cfg.path))
      .sort()
      .reverse(); // newest first (the stamp sorts as text)
    const cutoff = this.now().getTime() - r.max_days * 86_400_000;
    backups.forEach((f, i) => {
      const tooMany = r.max_backups > 0 && i >= r.max_backups;
      const tooOld = r.max_days > 0 && statSync(join(dir, f)).mtimeMs < cutoff;
      if (tooMany || tooOld) unlinkSync(join(dir, f));
    });
  }

  /** Write one record; resolves once it is in the file. */
  write(buf: Uint8Array): Promise<void> {
    const run = async () => {
      const max = (this.cfg.rotation?.max_megabytes ?? 0) * 1024 * 1024;
      if (this.cfg.rotation && buf.length > max && max > 0) throw permanentError(`write length ${buf.length} exceeds maximum file size ${max}`);
      if (this.cfg.rotation && max > 0 && this.size + buf.length > max) await this.rotate();
      await this.fh!.write(buf);
      this.size += buf.length;
    };
    const p = this.chain.then(run);
    this.chain = p.catch(() => undefined);
    return p;
  }

  async close(): Promise<void> {
    await this.chain;
    await this.fh?.close();
    this.fh = undefined;
  }
}

/** One record of the file: an OTLP/JSON line, or a 4-byte big-endian length and the protobuf message. */
export function fileRecord(data: ExportRequest, format: 'json' | 'proto'): Buffer {
  if (format === 'json') return Buffer.from(`${JSON.stringify(exportRequestToJson(data))}\n`);
  const body = encodeExportRequest(data);
  const out = Buffer.alloc(4 + body.length);
  out.writeUInt32BE(body.length, 0);
  out.set(body, 4);
  return out;
}

/**
 * `file`: every request written to `path` — one OTLP/JSON object per line (`format: json`, the default) or
 * length-prefixed protobuf (`format: proto`), the file truncated at start unless `append`, `rotation` optional.
 */
export const fileExporterFactory: ExporterFactory<typeof schema> = {
  type: 'file',
  signals: ['traces', 'metrics', 'logs'],
  schema,
  create(id, cfg, env) {
    const file = new RotatingFile(cfg);
    const labels = { exporter: id };
    return {
      mutates: false,
      async consume(data) {
        const n = countItems(data);
        try {
          await file.write(fileRecord(data, cfg.format));
          env.telemetry.exporterSent[data.signal].inc(labels, n);
        } catch (e) {
          env.telemetry.exporterSendFailed[data.signal].inc(labels, n);
          throw e;
        }
      },
      start: () => file.start(),
      shutdown: () => file.close(),
    };
  },
};

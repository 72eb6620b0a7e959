import { readFileSync } from 'node:fs';
import { mkdir, open, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import { parse, stringify } from 'yaml';

/** A file's identity on disk (device and inode), so a rotated-away file is not mistaken for its successor. */
export interface FileIdentity {
  dev: number;
  ino: number;
}

export interface PositionsOptions {
  filename: string;
  ignoreInvalidYaml: boolean;
  readonly?: boolean;
  /** Wait at least this long between two writes (the writes are coalesced). */
  minWriteIntervalMs?: number;
  /**
   * Promtail's `positions.sync_period`: while `busy()` (entries are still on their way to the clients), write at
   * most this often; once the clients are idle, write within `minWriteIntervalMs`. Without `busy`, every change is
   * written within `minWriteIntervalMs`.
   */
  syncPeriodMs?: number;
  busy?: () => boolean;
  onError?: (err: Error) => void;
}

/**
 * The positions file in Promtail's format (`positions: {<path>: "<offset>"}`), so a node can switch between
 * Promtail and this agent without re-sending. Written atomically: a temporary file, fsync, rename, fsync of the
 * directory. Beside it, `<filename>.ids` records each path's device and inode (Promtail has no such thing): on
 * restart a position is applied only to the file it was taken from.
 */
/** Keys of journal cursors in the positions file, as Promtail writes them: `journal-<job_name>`. */
export const CURSOR_PREFIX = 'journal-';

export class Positions {
  private readonly offsets = new Map<string, number>();
  /** Journal cursors (`journal-<job>` keys, strings in Promtail's file). */
  private readonly cursors = new Map<string, string>();
  private readonly ids = new Map<string, FileIdentity>();
  private dirty = false;
  private writing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** When the pending timer fires. */
  private timerDue = 0;
  private lastWrite = 0;
  private closed = false;

  constructor(private readonly opts: PositionsOptions) {
    this.read();
  }

  get filename(): string {
    return this.opts.filename;
  }

  private read(): void {
    let text: string;
    try {
      text = readFileSync(this.opts.filename, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw e;
    }
    let doc: unknown;
    try {
      doc = parse(text);
      const pos = (doc as { positions?: unknown } | null)?.positions;
      if (doc !== null && doc !== undefined && (typeof doc !== 'object' || (pos !== undefined && pos !== null && typeof pos !== 'object'))) throw new Error('not a positions file');
      for (const [k, v] of Object.entries((pos ?? {}) as Record<string, unknown>)) {
        if (k.startsWith(CURSOR_PREFIX) && typeof v === 'string') {
          this.cursors.set(k, v);
          continue;
        }
        const n = Number(v);
        if (!Number.isSafeInteger(n) || n < 0) throw new Error(`invalid position ${JSON.stringify(v)} for ${k}`);
        this.offsets.set(k, n);
      }
    } catch (e) {
      if (!this.opts.ignoreInvalidYaml) throw new Error(`invalid yaml positions file [${this.opts.filename}]: ${(e as Error).message}`, { cause: e });
      this.offsets.clear();
      this.cursors.clear();
      return;
    }
    try {
      const ids = parse(readFileSync(`${this.opts.filename}.ids`, 'utf8')) as { files?: Record<string, string> } | null;
      for (const [k, v] of Object.entries(ids?.files ?? {})) {
        const [dev, ino] = String(v).split(':').map(Number);
        if (Number.isFinite(dev) && Number.isFinite(ino)) this.ids.set(k, { dev, ino });
      }
    } catch {
      // No identities: positions apply as Promtail applies them (by path only).
    }
  }

  get(path: string): number {
    return this.offsets.get(path) ?? 0;
  }

  has(path: string): boolean {
    return this.offsets.has(path);
  }

  identity(path: string): FileIdentity | undefined {
    return this.ids.get(path);
  }

  put(path: string, offset: number, id?: FileIdentity): void {
    if (this.offsets.get(path) === offset && (id === undefined || sameId(this.ids.get(path), id))) return;
    this.offsets.set(path, offset);
    if (id) this.ids.set(path, id);
    this.markDirty();
  }

  remove(path: string): void {
    if (!this.offsets.delete(path) && !this.ids.has(path)) return;
    this.ids.delete(path);
    this.markDirty();
  }

  /** A journal job's cursor (Promtail's `journal-<job>` key). */
  getCursor(key: string): string | undefined {
    return this.cursors.get(key);
  }

  putCursor(key: string, cursor: string): void {
    if (this.cursors.get(key) === cursor) return;
    this.cursors.set(key, cursor);
    this.markDirty();
  }

  snapshot(): Record<string, number> {
    return Object.fromEntries(this.offsets);
  }

  private markDirty(): void {
    this.dirty = true;
    this.schedule();
  }

  /**
   * Schedule the next write of a change: `sync_period` after the last write while the clients are busy, within
   * `minWriteIntervalMs` once they are idle. The clients call this after each settled batch, so the change that
   * leaves them idle is written promptly (a `kill -9` between batches then resends nothing), while a steady stream
   * of batches costs one write per `sync_period` instead of one per batch.
   */
  schedule(): void {
    if (!this.dirty || this.closed || this.opts.readonly) return;
    const busy = this.opts.busy?.() ?? false;
    const due = this.lastWrite + (busy ? (this.opts.syncPeriodMs ?? 0) : (this.opts.minWriteIntervalMs ?? 0));
    if (this.timer) {
      if (this.timerDue <= due) return;
      clearTimeout(this.timer);
    }
    this.timerDue = due;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      // Busy again since scheduled: the sync period applies.
      if ((this.opts.busy?.() ?? false) && Date.now() < this.lastWrite + (this.opts.syncPeriodMs ?? 0)) {
        this.schedule();
        return;
      }
      void this.flush();
    }, Math.max(0, due - Date.now()));
  }

  /** Write the file now if anything changed (waits for a write in progress first). Off the event loop. */
  async flush(): Promise<void> {
    while (this.writing) await this.writing;
    if (!this.dirty || this.opts.readonly) return;
    this.dirty = false;
    this.writing = this.writeNow()
      .catch((e: unknown) => {
        this.dirty = true;
        this.opts.onError?.(e as Error);
      })
      .finally(() => {
        this.lastWrite = Date.now();
        this.writing = undefined;
      });
    await this.writing;
  }

  private async writeNow(): Promise<void> {
    const positions: Record<string, string> = {};
    for (const [k, v] of this.offsets) positions[k] = String(v);
    for (const [k, v] of this.cursors) positions[k] = v;
    const files: Record<string, string> = {};
    for (const [k, v] of this.ids) if (this.offsets.has(k)) files[k] = `${v.dev}:${v.ino}`;
    const dir = dirname(this.opts.filename);
    await mkdir(dir, { recursive: true });
    // Identities first: a crash between the two writes leaves identities that match positions at least as new.
    await atomicWrite(`${this.opts.filename}.ids`, stringify({ files }));
    await atomicWrite(this.opts.filename, stringify({ positions }));
    await syncDir(dir);
  }

  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.closed = true;
    await this.flush();
  }
}

function sameId(a: FileIdentity | undefined, b: FileIdentity): boolean {
  return a !== undefined && a.dev === b.dev && a.ino === b.ino;
}

async function atomicWrite(file: string, text: string): Promise<void> {
  const tmp = `${file}.tmp`;
  const fh = await open(tmp, 'w', 0o644);
  try {
    await fh.writeFile(text);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, file);
}

async function syncDir(dir: string): Promise<void> {
  try {
    const fh = await open(dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch {
    // Some filesystems refuse fsync on directories; the rename is still atomic.
  }
}

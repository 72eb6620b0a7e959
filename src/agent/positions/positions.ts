import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
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
  onError?: (err: Error) => void;
}

/**
 * The positions file in Promtail's format (`positions: {<path>: "<offset>"}`), so a node can switch between
 * Promtail and this agent without re-sending. Written atomically: a temporary file, fsync, rename, fsync of the
 * directory. Beside it, `<filename>.ids` records each path's device and inode (Promtail has no such thing): on
 * restart a position is applied only to the file it was taken from.
 */
export class Positions {
  private readonly offsets = new Map<string, number>();
  private readonly ids = new Map<string, FileIdentity>();
  private dirty = false;
  private writing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
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
        const n = Number(v);
        if (!Number.isSafeInteger(n) || n < 0) throw new Error(`invalid position ${JSON.stringify(v)} for ${k}`);
        this.offsets.set(k, n);
      }
    } catch (e) {
      if (!this.opts.ignoreInvalidYaml) throw new Error(`invalid yaml positions file [${this.opts.filename}]: ${(e as Error).message}`, { cause: e });
      this.offsets.clear();
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

  snapshot(): Record<string, number> {
    return Object.fromEntries(this.offsets);
  }

  private markDirty(): void {
    this.dirty = true;
    if (this.timer || this.closed || this.opts.readonly) return;
    const wait = Math.max(0, this.lastWrite + (this.opts.minWriteIntervalMs ?? 0) - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, wait);
  }

  /** Write the file now if anything changed (waits for a write in progress first). */
  async flush(): Promise<void> {
    while (this.writing) await this.writing;
    if (!this.dirty || this.opts.readonly) return;
    this.dirty = false;
    this.writing = new Promise<void>((resolve) => {
      try {
        this.writeNow();
      } catch (e) {
        this.dirty = true;
        this.opts.onError?.(e as Error);
      }
      this.lastWrite = Date.now();
      resolve();
    }).finally(() => {
      this.writing = undefined;
    });
    await this.writing;
  }

  private writeNow(): void {
    const positions: Record<string, string> = {};
    for (const [k, v] of this.offsets) positions[k] = String(v);
    const files: Record<string, string> = {};
    for (const [k, v] of this.ids) if (this.offsets.has(k)) files[k] = `${v.dev}:${v.ino}`;
    mkdirSync(dirname(this.opts.filename), { recursive: true });
    // Identities first: a crash between the two writes leaves identities that match positions at least as new.
    atomicWrite(`${this.opts.filename}.ids`, stringify({ files }));
    atomicWrite(this.opts.filename, stringify({ positions }));
    syncDir(dirname(this.opts.filename));
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

function atomicWrite(file: string, text: string): void {
  const tmp = `${file}.tmp`;
  const fd = openSync(tmp, 'w', 0o644);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}

function syncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Some filesystems refuse fsync on directories; the rename is still atomic.
  }
}

import { close, fstat, open, read, statSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Logger } from 'pino';
import type { AgentMetrics } from '../agent-metrics.js';
import { AckTracker, RawEntry, type LogEntry, type Ticket } from '../entry.js';
import { FILE_BYTES, READ_BYTES, READ_LINES } from '../path-series.js';
import type { FileIdentity, Positions } from '../positions/positions.js';
import { LineDecoder, releaseSharedLines } from './line-decoder.js';

export interface FileReaderOptions {
  path: string;
  /** The target's labels with `filename`; shared by every entry (stages copy before changing). */
  labels: Record<string, string>;
  positions: Positions;
  /** Receives each line; takes over the entry's ticket reference. */
  handle: (e: LogEntry) => void;
  /**
   * Receives lines still in bytes instead (UTF-8 files), when the pipeline can take them so: one reused RawEntry,
   * consumed before the call returns. Takes over the entry's ticket reference.
   */
  handleRaw?: (e: RawEntry) => void;
  /** Resolves when the clients can take more (backpressure); undefined when they can now. */
  ready: () => Promise<void> | undefined;
  pollMs: number;
  encoding?: string;
  /** Longest line held in memory; longer lines are truncated or dropped (`truncateLongLines`). */
  maxLineBytes: number;
  truncateLongLines: boolean;
  readBufferBytes?: number;
  /** Lines are acknowledged in groups of about this many bytes (default 16 KiB): a crash resends at most that much. */
  ticketBytes?: number;
  metrics: AgentMetrics;
  logger: Logger;
  /**
   * Called once the reader ended by itself (file deleted, everything acknowledged), with the reader: one function
   * can serve all the readers of a target (a closure per reader was ~0.1 kB per tailed file).
   */
  onFinished?: (reader: FileReader) => void;
}

/** One file as read: a file descriptor and its identity, from the first byte not yet read. */
interface Generation {
  /** A plain descriptor, not a `FileHandle` (an EventEmitter with a native peer: ~0.4 kB per tailed file). */
  fd: number;
  id: FileIdentity;
  offset: number;
  tracker: AckTracker;
  decoder: LineDecoder;
  /** Nothing more will be read from it (rotated away, truncated or deleted). */
  ended: boolean;
  /**
   * The last bytes read (up to TAIL_BYTES), one character per byte (Latin-1): finds the copy a copytruncate made.
   * A string of its own: 80 bytes of heap, where a 64-byte `Buffer` was ~0.2 kB of heap (the Buffer and its
   * ArrayBuffer) and as much again of native memory (its backing store) per tailed file.
   */
  tail: string;
}

const TAIL_BYTES = 64;

/**
 * A file's identity and size: a local of the read loop lives on while the loop sleeps, and a `fs.Stats` (with its
 * four `Date`s, ~0.5 kB) kept by each of a thousand idle readers is half a megabyte.
 */
function statIdentity(path: string): { dev: number; ino: number; size: number } | undefined {
  const st = statSync(path, { throwIfNoEntry: false });
  return st === undefined ? undefined : { dev: st.dev, ino: st.ino, size: st.size };
}

function sameId(a: FileIdentity, b: { dev: number; ino: number }): boolean {
  return a.dev === b.dev && a.ino === b.ino;
}

function openFd(path: string): Promise<number> {
  return new Promise((resolve, reject) => open(path, 'r', (err, fd) => (err ? reject(err) : resolve(fd))));
}

function readFd(fd: number, buf: Buffer, length: number, position: number): Promise<number> {
  return new Promise((resolve, reject) => read(fd, buf, 0, length, position, (err, n) => (err ? reject(err) : resolve(n))));
}

function fstatFd(fd: number): Promise<{ dev: number; ino: number; size: number }> {
  return new Promise((resolve, reject) => fstat(fd, (err, st) => (err ? reject(err) : resolve({ dev: st.dev, ino: st.ino, size: st.size }))));
}

/** Close a descriptor; errors are of no use to a reader that is done with the file. */
function closeFd(fd: number): void {
  close(fd, () => {});
}

/**
 * Close a generation's file once: a descriptor number is reused by the next file opened, so a second close (a late
 * acknowledgement's commit after `stop`) must not reach it.
 */
function closeGeneration(g: Generation): void {
  if (g.fd < 0) return;
  closeFd(g.fd);
  g.fd = -1;
}

/**
 * The entry every reader hands its lines in: `handleRaw` consumes it before it returns and readers emit only
 * between their awaits, so one serves them all (one per reader was ~0.3 kB per tailed file with its arrays).
 */
const sharedRaw = new RawEntry();

/**
 * Follows one path as Promtail's tailer does, losing nothing it could have read:
 * - reads from the saved position (only if the positions file recorded this very file; a position of a file that
 *   was rotated away while the agent was down is resumed in that file, found by inode in the same directory);
 * - holds a partial last line until its newline arrives;
 * - rotation by rename: the old file is read to its end, then the new one from its start;
 * - truncation (copytruncate): restarts from offset 0;
 * - deletion: reads what is left, then ends.
 * Positions advance only over entries every client acknowledged; a new generation's position is recorded only once
 * the previous generation is fully acknowledged.
 */
export class FileReader {
  /** Created with its first generation: an array grown by `push` from empty holds 17 slots (0.15 kB per file). */
  private gens: Generation[] = [];
  private stopped = false;
  private running: Promise<void> | undefined;
  /** Ends the current `sleep` (a poke, a stop or the timer); undefined while not sleeping. */
  private wakeSleeper: (() => void) | undefined;
  /** The reader's timer, re-armed with `refresh()` while `sleepMs` stays the same: a poll allocates no timer. */
  private sleepTimer: NodeJS.Timeout | undefined;
  private sleepMs = 0;
  private readonly onSleepTimer = (): void => {
    if (this.quietSleep && this.stillQuiet()) this.sleepTimer!.refresh();
    else this.wake();
  };
  /** The current sleep is a poll: it ends only when the file shows a change. */
  private quietSleep = false;
  /**
   * The read loop returned on a quiet poll instead of awaiting it: an idle file keeps no suspended `async` loop
   * (its generator, registers, promises and closures: ~0.8 kB per file). The timer or a poke starts it again.
   */
  private parked = false;
  /** The size last set in `promtail_file_bytes_total{path}`. */
  private lastSize = -1;
  private readonly bufSize: number;
  private lastMs = 0;
  private lastNs = 0;
  private missingPolls = 0;
  private finished = false;
  private readonly ticketBytes: number;
  /** This path's row in `metrics.files` (read bytes and lines, file size), taken once the file is open. */
  private series = -1;

  constructor(private readonly opts: FileReaderOptions) {
    this.bufSize = opts.readBufferBytes ?? 256 * 1024;
    this.ticketBytes = opts.ticketBytes ?? 16 * 1024;
  }

  get path(): string {
    return this.opts.path;
  }

  /** Bytes read so far from the file currently followed. */
  get offset(): number {
    return this.gens.length > 0 ? this.gens[this.gens.length - 1].offset : 0;
  }

  start(): void {
    this.running = this.reportFailure(this.run());
  }

  private reportFailure(loop: Promise<void>): Promise<void> {
    return loop.catch((e: unknown) => {
      this.opts.logger.error({ err: e, path: this.opts.path }, 'file reader failed');
      this.opts.metrics.readErrors.inc({ path: this.opts.path, reason: 'error' });
    });
  }

  /** Read now instead of waiting for the next poll. */
  poke(): void {
    this.wake();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake();
    await this.running;
    clearTimeout(this.sleepTimer);
    for (const g of this.gens) closeGeneration(g);
    this.closeSeries();
  }

  private async run(): Promise<void> {
    const first = await this.openInitial();
    if (!first) {
      this.finish(false);
      return;
    }
    this.opts.metrics.filesActive.inc();
    await this.follow();
  }

  /**
   * The read loop, from a read: returns when the file ends, the reader stops, or the file is quiet (parked: the
   * timer's stat or a poke resumes it with a read).
   */
  private async follow(): Promise<void> {
    let ended = true;
    try {
      // Read only when the last stat showed the file grew: an idle file costs one stat per poll, not a read too.
      let read = true;
      while (!this.stopped) {
        const didRead = read;
        if (read) await this.readToEof(this.current());
        if (this.stopped) break;
        read = true;
        // A synchronous stat: on the local files an agent tails it takes microseconds, where the promise form
        // allocated ~1.7 kB per call (request, result array, promise) and cost a thread-pool round trip, four
        // times a second per file.
        const st = statIdentity(this.opts.path);
        const cur = this.current();
        if (st === undefined) {
          // Deleted, or renamed with the new file not there yet: read what is left, then end after two quiet polls.
          if (++this.missingPolls >= 3) {
            await this.readToEof(cur);
            this.endGeneration(cur);
            await this.waitSettled();
            this.opts.positions.remove(this.opts.path);
            this.finish(true);
            return;
          }
        } else {
          this.missingPolls = 0;
          this.setSize(st.size);
          if (!sameId(cur.id, st)) {
            await this.readToEof(cur);
            this.endGeneration(cur);
            this.opts.logger.info({ path: this.opts.path }, 'file rotated; following the new file from its start');
            const fd = await openFd(this.opts.path).catch(() => undefined);
            if (fd !== undefined) await this.pushGeneration(fd, 0);
            continue;
          }
          if (st.size < cur.offset) {
            this.opts.logger.info({ path: this.opts.path, offset: cur.offset, size: st.size }, 'file truncated; reading from its start');
            // copytruncate: lines written after our last read live on only in the copy; finish reading it first.
            const copy = await findCopy(this.opts.path, cur);
            if (copy) {
              this.opts.logger.info({ path: this.opts.path, copy: copy.path }, 'reading the rest of the truncated file from its copy');
              closeFd(cur.fd);
              cur.fd = copy.fd;
              await this.readToEof(cur);
            }
            this.endGeneration(cur);
            const fd = await openFd(this.opts.path);
            await this.pushGeneration(fd, 0);
            continue;
          }
          if (st.size > cur.offset && !didRead) continue; // grew while we slept: read it now
          read = st.size > cur.offset;
        }
        if (!read && this.missingPolls === 0) {
          this.park();
          ended = false;
          return;
        }
        await this.sleep(this.opts.pollMs);
      }
    } finally {
      if (ended) this.opts.metrics.filesActive.dec();
    }
  }

  private finish(removed: boolean): void {
    if (this.finished) return;
    this.finished = true;
    clearTimeout(this.sleepTimer);
    // A file gone ends its series, as Promtail deletes a stopped tailer's.
    if (removed) this.closeSeries();
    this.opts.onFinished?.(this);
  }

  private closeSeries(): void {
    if (this.series < 0) return;
    this.opts.metrics.files.close(this.series);
    this.series = -1;
  }

  private current(): Generation {
    return this.gens[this.gens.length - 1];
  }

  private async openInitial(): Promise<boolean> {
    let fd: number;
    try {
      fd = await openFd(this.opts.path);
    } catch (e) {
      this.opts.logger.warn({ err: e, path: this.opts.path }, 'cannot open file');
      this.opts.metrics.readErrors.inc({ path: this.opts.path, reason: (e as NodeJS.ErrnoException).code ?? 'open' });
      return false;
    }
    this.series = this.opts.metrics.files.open(this.opts.path);
    const st = await fstatFd(fd);
    const known = this.opts.positions.identity(this.opts.path);
    const saved = this.opts.positions.get(this.opts.path);
    if (known && !sameId(known, st)) {
      // Rotated while the agent was down: finish the old file first if it is still around.
      const old = await findByIdentity(dirname(this.opts.path), known);
      if (old) {
        const ofd = await openFd(old).catch(() => undefined);
        if (ofd !== undefined) {
          this.opts.logger.info({ path: this.opts.path, rotated: old, offset: saved }, 'resuming the rotated file first');
          await this.pushGeneration(ofd, saved, known);
          await this.readToEof(this.current());
          this.endGeneration(this.current());
        }
      }
      await this.pushGeneration(fd, 0, st);
      return true;
    }
    await this.pushGeneration(fd, saved <= st.size ? saved : 0, st);
    return true;
  }

  private async pushGeneration(fd: number, offset: number, id?: FileIdentity): Promise<void> {
    if (!id) id = await fstatFd(fd);
    const g: Generation = {
      fd,
      id: { dev: id.dev, ino: id.ino },
      offset,
      ended: false,
      decoder: new LineDecoder(this.opts.encoding, this.opts.maxLineBytes, this.opts.truncateLongLines),
      tracker: new AckTracker(offset, () => this.commit()),
      tail: '',
    };
    if (this.gens.length === 0) this.gens = [g];
    else this.gens.push(g);
    this.commit();
  }

  private endGeneration(g: Generation): void {
    if (g.ended) return;
    // A last line without its newline is complete once nothing more can be appended.
    const rest = g.decoder.flush();
    if (rest !== undefined) {
      const t = g.tracker.issue(g.offset);
      this.emit(rest, t);
      t.release();
    }
    g.ended = true;
    this.commit();
  }

  /** Record the position of the oldest generation still owed acknowledgements (or of the current one). */
  private commit(): void {
    while (this.gens.length > 1 && this.gens[0].ended && this.gens[0].tracker.outstanding === 0) {
      closeGeneration(this.gens.shift()!);
    }
    const g = this.gens[0];
    if (!g || this.finished) return;
    this.opts.positions.put(this.opts.path, g.tracker.settled, g.id);
  }

  private async waitSettled(): Promise<void> {
    while (!this.stopped && this.gens.some((g) => g.tracker.outstanding > 0)) await this.sleep(50);
  }

  private async readToEof(g: Generation): Promise<void> {
    if (g.ended) return;
    const path = this.opts.path;
    for (;;) {
      if (this.stopped) return;
      const buf = await this.readyBuffer();
      let n: number;
      try {
        n = await readFd(g.fd, buf, buf.length, g.offset);
      } catch (e) {
        this.opts.logger.warn({ err: e, path }, 'read failed');
        this.opts.metrics.readErrors.inc({ path, reason: (e as NodeJS.ErrnoException).code ?? 'read' });
        releaseBuffer(buf);
        return;
      }
      if (n === 0) {
        releaseBuffer(buf);
        return;
      }
      const start = g.offset;
      g.offset += n;
      const raw = this.opts.handleRaw !== undefined && g.decoder.isUtf8;
      const dec = g.decoder;
      const count = raw ? dec.pushRanges(buf, n) : 0;
      const lines = raw ? undefined : dec.push(buf, n);
      const nLines = lines ? lines.length : count;
      // A fresh flat string (not a slice or a concatenation, which would keep their parts alive).
      if (n >= TAIL_BYTES) g.tail = buf.toString('latin1', n - TAIL_BYTES, n);
      else {
        const joined = Buffer.concat([Buffer.from(g.tail, 'latin1'), buf.subarray(0, n)]);
        g.tail = joined.toString('latin1', Math.max(0, joined.length - TAIL_BYTES));
      }
      const files = this.opts.metrics.files;
      if (this.series >= 0) files.add(this.series, READ_BYTES, n);
      const consumed = dec.consumedThrough(n);
      if (consumed > 0) {
        if (nLines > 0 && this.series >= 0) files.add(this.series, READ_LINES, nLines);
        // One ticket per `ticketBytes` of lines: a crash resends at most that much beyond what was acknowledged.
        const ends = dec.ends;
        let i = 0;
        while (i < nLines) {
          let j = i;
          while (j + 1 < nLines && ends[j + 1] - (i === 0 ? 0 : ends[i - 1]) <= this.ticketBytes) j++;
          const t = g.tracker.issue(start + (j === nLines - 1 ? consumed : ends[j]));
          if (lines) for (let k = i; k <= j; k++) this.emit(lines[k], t);
          else for (let k = i; k <= j; k++) this.emitRaw(dec.lineBufs[k], dec.lineStarts[k], dec.lineEnds[k], t);
          t.release();
          i = j + 1;
        }
        if (nLines === 0) g.tracker.issue(start + consumed).release();
        // The buffer goes back to the shared ones: this reader's entry must not keep it (a thousand idle readers
        // would otherwise keep every read buffer alive after `releaseIdleReadBuffers`).
        sharedRaw.detach();
      }
      releaseBuffer(buf); // every line handed on (as strings or copied by the clients), a partial line copied
      if (n < buf.length) return;
    }
  }

  /**
   * A read buffer once the clients can take more: asked again once the buffer is ours, since a hundred readers
   * waiting for a buffer would otherwise all read on a backlog they saw empty before they queued.
   */
  private async readyBuffer(): Promise<Buffer> {
    for (;;) {
      const wait = this.opts.ready();
      if (wait) await wait;
      const buf = await acquireBuffer(this.bufSize);
      if (this.opts.ready() === undefined) return buf;
      releaseBuffer(buf);
    }
  }

  /** The read time of the next line: now, or 1 ns after the previous line's if the clock has not moved on. */
  private stamp(): void {
    let ms = Date.now();
    let ns = 0;
    if (ms <= this.lastMs) {
      ms = this.lastMs;
      ns = this.lastNs + 1;
      if (ns >= 1_000_000) {
        ms++;
        ns = 0;
      }
    }
    this.lastMs = ms;
    this.lastNs = ns;
  }

  private emitRaw(b: Buffer, start: number, end: number, t: Ticket): void {
    this.stamp();
    t.hold();
    sharedRaw.reset(this.opts.labels, b, start, end, this.lastMs, this.lastNs, t);
    this.opts.handleRaw!(sharedRaw);
  }

  private emit(line: string, t: Ticket): void {
    this.stamp();
    t.hold();
    this.opts.handle({ labels: this.opts.labels, ownLabels: false, line, tsMs: this.lastMs, tsNs: this.lastNs, ticket: t });
  }

  private setSize(size: number): void {
    if (size === this.lastSize) return;
    this.lastSize = size;
    if (this.series >= 0) this.opts.metrics.files.set(this.series, FILE_BYTES, size);
  }

  /**
   * Whether the file is as the last poll left it (same file, nothing beyond what was read): a poll of an idle file
   * is then this one stat in the timer's callback, the read loop stays asleep.
   */
  private stillQuiet(): boolean {
    if (this.stopped) return false;
    let st;
    try {
      st = statSync(this.opts.path, { throwIfNoEntry: false });
    } catch {
      return false; // the read loop's own stat reports it
    }
    const cur = this.current();
    if (st === undefined || cur.ended || !sameId(cur.id, st) || st.size !== cur.offset) return false;
    this.setSize(st.size);
    return true;
  }

  /**
   * Wait `ms` or until poked. A quiet file is not waited for here but parked (`park`) until it shows a change. An
   * idle file is polled four times a second: the timer is the reader's own, re-armed, and a quiet poll allocates
   * only its stat — a thousand files tailed allocated ~14 MB/s of promises, timers and stat requests, and 1 MiB
   * semi-spaces promoted those that lived through the 250 ms sleep to the old generation (docs/agent.md, Figures).
   */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.wakeSleeper = resolve;
      this.quietSleep = false;
      this.arm(ms);
    });
  }

  /** Poll the quiet file from the timer alone: the read loop has returned (see `parked`). */
  private park(): void {
    this.parked = true;
    this.quietSleep = true;
    this.arm(this.opts.pollMs);
  }

  private arm(ms: number): void {
    if (this.sleepTimer !== undefined && this.sleepMs === ms) this.sleepTimer.refresh();
    else {
      clearTimeout(this.sleepTimer);
      this.sleepMs = ms;
      this.sleepTimer = setTimeout(this.onSleepTimer, ms);
    }
  }

  private wake(): void {
    if (this.parked) {
      this.parked = false;
      this.quietSleep = false;
      if (!this.finished) this.running = this.reportFailure(this.follow());
      return;
    }
    const w = this.wakeSleeper;
    if (w === undefined) return;
    this.wakeSleeper = undefined;
    w();
  }
}

/**
 * The copy a copytruncate rotation made of `path`: a file in the same directory whose name starts with the file's
 * name, at least as long as what was read, holding the same bytes just before the read offset.
 */
async function findCopy(path: string, g: Generation): Promise<{ path: string; fd: number } | undefined> {
  if (g.tail.length === 0) return undefined;
  const dir = dirname(path);
  const base = path.slice(dir.length + 1);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return undefined;
  }
  const probe = Buffer.allocUnsafe(g.tail.length);
  for (const n of names) {
    if (n === base || !n.startsWith(base)) continue;
    const p = join(dir, n);
    const st = await stat(p).catch(() => undefined);
    if (!st || !st.isFile() || st.size < g.offset || sameId(g.id, st)) continue;
    const fd = await openFd(p).catch(() => undefined);
    if (fd === undefined) continue;
    const bytesRead = await readFd(fd, probe, probe.length, g.offset - g.tail.length).catch(() => 0);
    if (bytesRead === probe.length && probe.equals(Buffer.from(g.tail, 'latin1'))) return { path: p, fd };
    closeFd(fd);
  }
  return undefined;
}

async function findByIdentity(dir: string, id: FileIdentity): Promise<string | undefined> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return undefined;
  }
  for (const n of names) {
    const p = join(dir, n);
    const st = await stat(p).catch(() => undefined);
    if (st && st.isFile() && sameId(id, st)) return p;
  }
  return undefined;
}

/**
 * Read buffers shared by all readers, at most `MAX_READS` reads at once (libuv has four threads anyway): a thousand
 * idle files must not hold a thousand buffers.
 */
const MAX_READS = 8;
const freeBuffers: Buffer[] = [];
const waiting: Array<() => void> = [];
let inUse = 0;

/** Drop the kept read buffers (an idle agent gives them back; the next read allocates one again). */
export function releaseIdleReadBuffers(): void {
  freeBuffers.length = 0;
  releaseSharedLines();
}

async function acquireBuffer(size: number): Promise<Buffer> {
  while (inUse >= MAX_READS) await new Promise<void>((r) => waiting.push(r));
  inUse++;
  const b = freeBuffers.pop();
  return b && b.length === size ? b : Buffer.allocUnsafeSlow(size);
}

function releaseBuffer(b: Buffer): void {
  inUse--;
  if (freeBuffers.length < MAX_READS) freeBuffers.push(b);
  waiting.shift()?.();
}

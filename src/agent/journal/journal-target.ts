import type { ChildProcess } from 'node:child_process';
import type { Logger } from 'pino';
import type { CompiledRelabel } from '../../metrics/relabel/index.js';
import type { PromtailScrapeConfig } from '../config/promtail-schema.js';
import { AckTracker, type LogEntry, type Ticket } from '../entry.js';
import { CURSOR_PREFIX, type Positions } from '../positions/positions.js';
import { finishLabels } from '../target-labels.js';
import { lazyBuiltin } from '../../lib/lazy-builtin.js';
import type * as NodeChildProcess from 'node:child_process';

/** `node:child_process` (with `node:dgram` and `node:net`'s handle passing) only when a `journal` job runs journalctl. */
const childProcess = lazyBuiltin<typeof NodeChildProcess>('node:child_process');

export type JournalConfig = NonNullable<PromtailScrapeConfig['journal']>;

export interface JournalTargetOptions {
  job: string;
  config: JournalConfig;
  relabel: CompiledRelabel[];
  positions: Positions;
  handle: (e: LogEntry) => void;
  ready: () => Promise<void> | undefined;
  logger: Logger;
  /** The journalctl binary (default `journalctl` on PATH). */
  journalctl?: string;
  /** Counts entries skipped (no MESSAGE, no labels left) by reason. */
  onError?: (reason: string) => void;
}

const PRIORITIES = ['emerg', 'alert', 'crit', 'error', 'warning', 'notice', 'info', 'debug'];

/** A journal field as `journalctl -o json` prints it: a string, bytes (an array of numbers), or several values. */
function fieldText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  if (Array.isArray(v)) {
    if (v.every((x) => typeof x === 'number')) return Buffer.from(v as number[]).toString('utf8');
    return v.length > 0 ? fieldText(v[v.length - 1]) : undefined;
  }
  return undefined;
}

/**
 * Promtail's `journal` scrape config, read through `journalctl -o json --follow`: each entry's fields become
 * `__journal_<field in lower case>` labels (plus `__journal_priority_keyword`), with the job's `labels`, then
 * `relabel_configs`; labels starting with `__` are removed and an entry left without labels is skipped. The line is
 * `MESSAGE` (entries without one are skipped), or with `json: true` every field as a JSON object; the time is
 * `__REALTIME_TIMESTAMP`. The cursor is kept in the positions file under `journal-<job_name>` as Promtail keeps it,
 * but only once the clients acknowledged the entries up to it (Promtail records it when reading). Without a cursor
 * reading starts `max_age` ago. `path` is the journal directory (`--directory`), `matches` journalctl's matches.
 */
export class JournalTarget {
  private proc: ChildProcess | undefined;
  private stopped = false;
  private restartTimer: NodeJS.Timeout | undefined;
  private tracker: AckTracker;
  private seq = 0;
  private readonly cursorAt = new Map<number, string>();
  private buf = '';
  private readonly key: string;
  private readonly staticLabels: Record<string, string>;
  private readonly labelCache = new Map<string, Record<string, string>>();
  /** Set when journalctl refused the stored cursor (another machine's journal, or vacuumed): start from max_age. */
  private ignoreCursor = false;
  /** Whether journalctl runs (for `/targets`). */
  running = false;
  lastCursor: string | undefined;

  constructor(private readonly opts: JournalTargetOptions) {
    this.key = `${CURSOR_PREFIX}${opts.job}`;
    this.staticLabels = { ...opts.config.labels };
    this.tracker = this.newTracker();
  }

  get job(): string {
    return this.opts.job;
  }

  get labels(): Record<string, string> {
    return this.staticLabels;
  }

  private newTracker(): AckTracker {
    this.seq = 0;
    this.cursorAt.clear();
    return new AckTracker(0, (settled) => {
      const c = this.cursorAt.get(settled);
      if (c === undefined) return;
      for (const k of this.cursorAt.keys()) if (k <= settled) this.cursorAt.delete(k);
      this.opts.positions.putCursor(this.key, c);
      this.ignoreCursor = false;
    });
  }

  /** journalctl's arguments: after the acknowledged cursor, or since `max_age` ago. */
  args(): string[] {
    const a = ['--output=json', '--follow', '--no-pager', '--no-tail', '--quiet'];
    const cursor = this.ignoreCursor ? undefined : this.opts.positions.getCursor(this.key);
    if (cursor !== undefined) a.push(`--after-cursor=${cursor}`);
    else a.push(`--since=@${Math.floor((Date.now() - this.opts.config.max_age) / 1000)}`);
    if (this.opts.config.path) a.push(`--directory=${this.opts.config.path}`);
    if (this.opts.config.matches) a.push(...this.opts.config.matches.split(/\s+/).filter((m) => m !== ''));
    return a;
  }

  start(): void {
    if (this.stopped) return;
    const bin = this.opts.journalctl ?? 'journalctl';
    const args = this.args();
    this.tracker = this.newTracker();
    this.buf = '';
    const proc = childProcess().spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc = proc;
    this.running = true;
    let stderr = '';
    proc.stderr!.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-2000);
    });
    proc.stdout!.on('data', (d: Buffer) => this.onData(d, proc));
    proc.on('error', (err) => {
      this.opts.logger.error({ err, job: this.opts.job, bin }, 'cannot run journalctl: the journal job yields nothing');
    });
    proc.on('close', (code) => {
      this.running = false;
      if (this.proc === proc) this.proc = undefined;
      if (this.stopped) return;
      if (/seek to cursor/i.test(stderr) && args.some((x) => x.startsWith('--after-cursor='))) {
        this.opts.logger.warn({ job: this.opts.job, stderr: stderr.trim() }, 'journalctl refused the stored cursor; reading from max_age instead');
        this.ignoreCursor = true;
      }
      this.opts.logger.warn({ job: this.opts.job, code, stderr: stderr.trim() }, 'journalctl exited; restarting in 5s');
      this.restartTimer = setTimeout(() => this.start(), 5000);
    });
    this.opts.logger.info({ job: this.opts.job, args }, 'reading the journal');
  }

  private onData(d: Buffer, proc: ChildProcess): void {
    this.buf += d.toString('utf8');
    const nl = this.buf.lastIndexOf('\n');
    if (nl < 0) return;
    const text = this.buf.slice(0, nl);
    this.buf = this.buf.slice(nl + 1);
    const seq = ++this.seq;
    const ticket = this.tracker.issue(seq);
    let cursor: string | undefined;
    for (const line of text.split('\n')) {
      if (line === '') continue;
      let rec: Record<string, unknown>;
      try {
        rec = JSON.parse(line) as Record<string, unknown>;
      } catch {
        this.opts.onError?.('invalid_json');
        continue;
      }
      if (typeof rec.__CURSOR === 'string') cursor = rec.__CURSOR;
      this.entry(rec, ticket);
    }
    if (cursor !== undefined) {
      this.cursorAt.set(seq, cursor);
      this.lastCursor = cursor;
    }
    ticket.release();
    const wait = this.opts.ready();
    if (wait) {
      proc.stdout!.pause();
      void wait.then(() => proc.stdout!.resume());
    }
  }

  private entry(rec: Record<string, unknown>, ticket: Ticket): void {
    const fields: Record<string, string> = {};
    for (const [k, v] of Object.entries(rec)) {
      // The journal's address fields (__CURSOR, __REALTIME_TIMESTAMP, ...) are not entry fields in Promtail.
      if (k.startsWith('__')) continue;
      const t = fieldText(v);
      if (t !== undefined) fields[k] = t;
    }
    let line: string;
    if (this.opts.config.json) line = JSON.stringify(fields);
    else {
      if (fields.MESSAGE === undefined) {
        this.opts.onError?.('no_message');
        return;
      }
      line = fields.MESSAGE;
    }
    const labels = this.labelsOf(fields);
    if (!labels) {
      this.opts.onError?.('empty_labels');
      return;
    }
    const us = typeof rec.__REALTIME_TIMESTAMP === 'string' ? BigInt(rec.__REALTIME_TIMESTAMP) : BigInt(Date.now()) * 1000n;
    ticket.hold();
    this.opts.handle({ labels, ownLabels: false, line, tsMs: Number(us / 1000n), tsNs: Number(us % 1000n) * 1000, ticket });
  }

  /** Labels of an entry (every field feeds relabeling); equal results share one object (the client's stream key). */
  private labelsOf(fields: Record<string, string>): Record<string, string> | undefined {
    const input: Record<string, string> = {};
    for (const [k, v] of Object.entries(fields)) {
      if (k === 'PRIORITY') input.__journal_priority_keyword = PRIORITIES[Number(v)] ?? '';
      input[`__journal_${k.toLowerCase()}`] = v;
    }
    Object.assign(input, this.staticLabels);
    const kept = finishLabels(input, this.opts.relabel);
    if (!kept) return undefined;
    const key = JSON.stringify(kept);
    const shared = this.labelCache.get(key);
    if (shared) return shared;
    if (this.labelCache.size > 1000) this.labelCache.clear();
    this.labelCache.set(key, kept);
    return kept;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    const p = this.proc;
    if (!p) return;
    await new Promise<void>((resolve) => {
      p.once('close', () => resolve());
      p.kill('SIGTERM');
    });
  }
}

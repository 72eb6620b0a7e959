import { randomUUID } from 'node:crypto';
import { Matcher, type MatchType } from '../model/index.js';
import type { LabelSet } from './labels.js';
import { StateLog } from './state-log.js';
import type { StateMetrics } from './state-metrics.js';

export interface SilenceMatcher {
  name: string;
  value: string;
  isRegex: boolean;
  isEqual: boolean;
}

/** A silence as Alertmanager stores it. Times in ms since the epoch. */
export interface Silence {
  id: string;
  matchers: SilenceMatcher[];
  startsAt: number;
  endsAt: number;
  updatedAt: number;
  createdBy: string;
  comment: string;
}

export type SilenceState = 'active' | 'pending' | 'expired';

export class SilenceError extends Error {
  constructor(
    message: string,
    readonly notFound = false,
  ) {
    super(message);
    this.name = 'SilenceError';
  }
}

export function silenceState(s: Pick<Silence, 'startsAt' | 'endsAt'>, now: number): SilenceState {
  if (s.startsAt > now) return 'pending';
  if (s.endsAt < now) return 'expired';
  return 'active';
}

function matchType(m: SilenceMatcher): MatchType {
  return m.isRegex ? (m.isEqual ? '=~' : '!~') : m.isEqual ? '=' : '!=';
}

export function toMatcher(m: SilenceMatcher): Matcher {
  return new Matcher(matchType(m), m.name, m.value);
}

function validateSilence(s: Silence): string | undefined {
  if (s.matchers.length === 0) return 'at least one matcher required';
  let allMatchEmpty = true;
  for (let i = 0; i < s.matchers.length; i++) {
    const m = s.matchers[i];
    if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(m.name)) return `invalid label matcher ${i}: invalid label name "${m.name}"`;
    let compiled: Matcher;
    try {
      compiled = toMatcher(m);
    } catch (e) {
      return `invalid label matcher ${i}: invalid regular expression "${m.value}": ${(e as Error).message}`;
    }
    allMatchEmpty &&= compiled.matches('');
  }
  if (allMatchEmpty) return 'at least one matcher must not match the empty string';
  if (s.startsAt === 0) return 'invalid zero start timestamp';
  if (s.endsAt === 0) return 'invalid zero end timestamp';
  if (s.endsAt < s.startsAt) return 'end time must not be before start time';
  return undefined;
}

interface Entry {
  silence: Silence;
  matchers: Matcher[];
}

/**
 * Silences with Alertmanager's semantics (create, update in place when allowed, otherwise expire and replace; expire;
 * match alerts), persisted through a write-ahead state log so that an acknowledged silence survives `kill -9`.
 */
export class Silences {
  private readonly byId = new Map<string, Entry>();
  private log: StateLog<Silence> | undefined;
  /** Bumped on every change (lets callers cache per-alert results). */
  version = 0;
  /** Counts and times queries and maintenance when set. */
  metrics: StateMetrics | undefined;

  constructor(
    private readonly retentionMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Load persisted silences from `dir` and write every later change there. */
  openLog(dir: string, fsyncIntervalMs: number): void {
    this.log = StateLog.open<Silence>(dir, fsyncIntervalMs, (s) => this.apply(s));
  }

  private apply(s: Silence): void {
    let matchers: Matcher[];
    try {
      matchers = s.matchers.map(toMatcher);
    } catch {
      return;
    }
    this.byId.set(s.id, { silence: s, matchers });
    this.version++;
  }

  private store(s: Silence): void {
    const problem = validateSilence(s);
    if (problem) throw new SilenceError(`silence invalid: ${problem}`);
    this.log?.write(s);
    this.apply(s);
  }

  /**
   * Take in silences from elsewhere (a state snapshot in the object store): each one newer than what is here by
   * `updatedAt`, or unknown here, is logged and applied. Returns how many were taken.
   */
  merge(silences: readonly Silence[]): number {
    const newer = silences.filter((s) => s.updatedAt > (this.byId.get(s.id)?.silence.updatedAt ?? -Infinity));
    if (newer.length > 0) this.log?.write(...newer);
    for (const s of newer) this.apply(s);
    return newer.length;
  }

  get(id: string): Silence | undefined {
    return this.byId.get(id)?.silence;
  }

  list(): Silence[] {
    return this.query(() => [...this.byId.values()].map((e) => e.silence));
  }

  private query<T>(f: () => T): T {
    return this.metrics ? this.metrics.query(f) : f();
  }

  /** Create or update; returns the id (a new one when the silence had to be replaced). */
  set(input: Omit<Silence, 'id' | 'updatedAt'> & { id?: string }): string {
    const now = this.now();
    const sil: Silence = { ...input, id: input.id ?? '', updatedAt: now };
    const prev = sil.id !== '' ? this.byId.get(sil.id)?.silence : undefined;
    if (sil.id !== '' && !prev) throw new SilenceError('silence not found', true);
    if (prev) {
      if (canUpdate(prev, sil, now)) {
        this.store(sil);
        return sil.id;
      }
      if (silenceState(prev, now) !== 'expired') this.expire(prev.id);
    }
    sil.id = randomUUID();
    if (sil.startsAt < now) sil.startsAt = now;
    this.store(sil);
    return sil.id;
  }

  expire(id: string): void {
    const prev = this.byId.get(id)?.silence;
    if (!prev) throw new SilenceError('silence not found', true);
    const now = this.now();
    const s = { ...prev, updatedAt: now };
    switch (silenceState(prev, now)) {
      case 'expired':
        return; // expiring an expired silence succeeds and changes nothing (Alertmanager 0.25)
      case 'active':
        s.endsAt = now;
        break;
      case 'pending':
        s.startsAt = now;
        s.endsAt = now;
        break;
    }
    this.store(s);
  }

  /** Ids of the active silences that match the label set, sorted. */
  mutedBy(ls: LabelSet): string[] {
    return this.query(() => this.activeMatching(ls));
  }

  private activeMatching(ls: LabelSet): string[] {
    const now = this.now();
    const out: string[] = [];
    for (const { silence, matchers } of this.byId.values()) {
      if (silenceState(silence, now) !== 'active') continue;
      let all = true;
      for (const m of matchers) {
        if (!m.matches(ls[m.name] ?? '')) {
          all = false;
          break;
        }
      }
      if (all) out.push(silence.id);
    }
    return out.sort();
  }

  /** Drop silences expired longer than the retention ago, and rewrite the log with the live ones. */
  maintenance(): void {
    const gc = () => {
      const cutoff = this.now() - this.retentionMs;
      for (const [id, e] of this.byId) if (e.silence.endsAt < cutoff) this.byId.delete(id);
    };
    const snapshot = () => this.log?.checkpoint([...this.byId.values()].map((e) => e.silence)) ?? 0;
    if (this.metrics) this.metrics.maintain(gc, snapshot);
    else {
      gc();
      snapshot();
    }
  }

  close(): void {
    this.log?.close();
    this.log = undefined;
  }
}

function sameMatchers(a: SilenceMatcher[], b: SilenceMatcher[]): boolean {
  if (a.length !== b.length) return false;
  return a.every((m, i) => m.name === b[i].name && m.value === b[i].value && m.isRegex === b[i].isRegex && m.isEqual === b[i].isEqual);
}

function canUpdate(a: Silence, b: Silence, now: number): boolean {
  if (!sameMatchers(a.matchers, b.matchers)) return false;
  switch (silenceState(a, now)) {
    case 'active':
      if (b.startsAt !== a.startsAt) return false;
      if (b.endsAt < now) return false;
      break;
    case 'pending':
      if (b.startsAt < now) return false;
      break;
    case 'expired':
      return false;
  }
  return true;
}

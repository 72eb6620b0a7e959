import type { LogsLimits, Overrides } from '../../config/index.js';
import { INGEST_LANE, TimeSlicer } from '../../lib/time-slice.js';
import { TenantTokenBuckets } from '../../lib/token-bucket.js';
import type { HeadStream, Ingester, StreamWrite } from '../ingester/index.js';
import { LabelsParseError, formatGoTime, labelsString, lineAt, lineByteLength, lineCount, parseStreamLabels, rawPushStream, sameLine, type LineBytes, type PushRequest, type PushStream, type RawPushRequest, type RawPushStream } from '../model/index.js';
import { EntrySelection, type StreamEntries } from './entry-selection.js';
import { InvalidEntriesError, RateLimitedError, StreamLimitError } from './errors.js';
import type { DistributorMetrics } from './metrics.js';

/**
 * Validation and tenant limits between the protocol adapters and the store, with Loki's rules and messages:
 * per stream (labels parse, label count and lengths, duplicates), per entry (line size, too old, too new), the
 * tenant's ingestion rate (429 for the whole request), then per stream order (too far behind). Valid entries of a
 * request are written even when others are refused; the refusals come back as one `InvalidEntriesError` (a 400 with the
 * errors joined by newline), the limits as `RateLimitedError` / `StreamLimitError` (429).
 */
export class Distributor {
  private readonly limiter: TenantTokenBuckets;
  /**
   * Parsed label sets by the string clients send (the same few strings arrive again and again), with their longest
   * name and value (the length limits are checked pair by pair only when one of them is over).
   */
  private readonly labelsCache = new Map<string, ReturnType<typeof parseStreamLabels> & { longestName: number; longestValue: number }>();
  /** The last push of each tenant in its stream-planning and write step (see `exclusive`). */
  private readonly tenantTurns = new Map<string, Promise<void>>();

  constructor(
    private readonly ingester: Ingester,
    private readonly limits: Overrides<LogsLimits>,
    private readonly metrics: DistributorMetrics,
    private readonly now: () => number = Date.now,
  ) {
    this.limiter = new TenantTokenBuckets(now);
  }

  /**
   * Validate and store one push. The validation pass yields to the event loop every few milliseconds (a push of
   * 10,000 streams must not stall the other listeners); it changes nothing but counters. The limits and the write
   * that follow run in one synchronous step, so a request refused by a limit stores nothing and concurrent pushes
   * see each other's streams and rate. Lines stay byte ranges of the request (`RawPushRequest`) down to the WAL
   * record and the head block; a request with string lines (JSON, OTLP) is encoded to that form once.
   */
  async push(tenant: string, req: PushRequest | RawPushRequest): Promise<void> {
    const slicer = new TimeSlicer();
    const lim = this.limits.forTenant(tenant);
    const nowMs = this.now();
    const errors: string[] = [];
    const discard = (reason: string, lines: number, bytes: number) => {
      if (lines === 0) return;
      this.metrics.discardedSamples.inc({ reason, tenant }, lines);
      this.metrics.discardedBytes.inc({ reason, tenant }, bytes);
    };
    const oldest = BigInt(nowMs - lim.reject_old_samples_max_age) * 1_000_000n;
    const newest = BigInt(nowMs + lim.creation_grace_period) * 1_000_000n;
    const pending: StreamEntries[] = [];
    let validLines = 0;
    let validBytes = 0;
    for (const sIn of req.streams as Array<PushStream | RawPushStream>) {
      if (slicer.due()) await slicer.yieldNow();
      const s: RawPushStream = Array.isArray(sIn.lines) ? rawPushStream(sIn as PushStream) : (sIn as RawPushStream);
      const nLines = lineCount(s.lines);
      const streamBytes = sumBytes(s.lines);
      let parsed = this.labelsCache.get(s.labels);
      try {
        if (!parsed) {
          const p = parseStreamLabels(s.labels);
          let longestName = 0;
          let longestValue = 0;
          p.labels.forEach((n, v) => {
            longestName = Math.max(longestName, n.length);
            longestValue = Math.max(longestValue, v.length);
          });
          parsed = { ...p, longestName, longestValue };
          if (this.labelsCache.size >= 100_000) this.labelsCache.clear();
          this.labelsCache.set(s.labels, parsed);
        }
      } catch (e) {
        if (!(e instanceof LabelsParseError)) throw e;
        errors.push(`Error parsing labels '${s.labels}' with error: ${e.message}`);
        discard('invalid_labels', nLines, streamBytes);
        continue;
      }
      const { labels, names } = parsed;
      // The canonical label string, for error messages only.
      const ls = () => labels.toString();
      if (names.length === 0) {
        errors.push('error at least one label pair is required per stream');
        discard('missing_labels', nLines, streamBytes);
        continue;
      }
      if (names.length > lim.max_label_names_per_series) {
        errors.push(`entry for stream '${ls()}' has ${names.length} label names; limit ${lim.max_label_names_per_series}`);
        discard('max_label_names_per_series', nLines, streamBytes);
        continue;
      }
      const dup = names.find((n, i) => names.indexOf(n) !== i);
      if (dup !== undefined) {
        errors.push(`stream '${s.labels}' has duplicate label name: '${dup}'`);
        discard('duplicate_label_names', nLines, streamBytes);
        continue;
      }
      let bad: string | undefined;
      if (parsed.longestName > lim.max_label_name_length || parsed.longestValue > lim.max_label_value_length) {
        labels.forEach((n, v) => {
          if (bad) return;
          if (n.length > lim.max_label_name_length) bad = `stream '${ls()}' has label name too long: '${n}'`;
          else if (v.length > lim.max_label_value_length) bad = `stream '${ls()}' has label value too long: '${v}'`;
        });
      }
      if (bad) {
        errors.push(bad);
        discard(bad.includes('name too long') ? 'label_name_too_long' : 'label_value_too_long', nLines, streamBytes);
        continue;
      }
      const sel = new EntrySelection({ labels, ts: s.ts, lines: s.lines, metadata: s.metadata });
      // Mostly every time of a stream is within the accepted range: checked once for the column (a loop without
      // await, so optimized code compares in place), the per-entry loop below then reads no time at all.
      const timesOk = allWithin(s.ts, lim.reject_old_samples ? oldest : MIN_TS, newest);
      for (let i = 0; i < nLines; i++) {
        if (slicer.due()) await slicer.yieldNow();
        const ts = timesOk ? 0n : s.ts[i];
        const start = s.lines.offs[2 * i];
        let len = lineByteLength(s.lines, i);
        let cutEnd: number | undefined;
        if (lim.max_line_size > 0 && len > lim.max_line_size && lim.max_line_size_truncate) {
          const cut = truncatedLength(s.lines.buf, start, lim.max_line_size);
          this.metrics.mutatedSamples.inc({ reason: 'line_too_long', tenant });
          this.metrics.mutatedBytes.inc({ reason: 'line_too_long', tenant }, len - cut);
          len = cut;
          cutEnd = start + cut;
        } else if (lim.max_line_size > 0 && len > lim.max_line_size) {
          errors.push(`Max entry size '${lim.max_line_size}' bytes exceeded for stream '${ls()}' while adding an entry with length '${len}' bytes`);
          discard('line_too_long', 1, len);
          sel.drop(i);
          continue;
        }
        if (!timesOk && lim.reject_old_samples && ts < oldest) {
          errors.push(`entry for stream '${ls()}' has timestamp too old: ${formatGoTime(ts)}, oldest acceptable timestamp is: ${formatGoTime(oldest)}`);
          discard('greater_than_max_sample_age', 1, len);
          sel.drop(i);
          continue;
        }
        if (!timesOk && ts > newest) {
          errors.push(`entry for stream '${ls()}' has timestamp too new: ${formatGoTime(ts)}`);
          discard('too_far_in_future', 1, len);
          sel.drop(i);
          continue;
        }
        sel.take(i, cutEnd);
        validLines++;
        validBytes += len;
      }
      const p = sel.result();
      if (p) pending.push(p);
    }
    if (validLines > 0) {
      this.metrics.linesReceived.inc({ tenant }, validLines);
      this.metrics.bytesReceived.inc({ tenant }, validBytes);
    }
    const rate = lim.ingestion_rate_mb * 1024 * 1024;
    const burst = lim.ingestion_burst_size_mb * 1024 * 1024;
    if (validLines > 0 && !this.limiter.allow(tenant, validBytes, rate, burst)) {
      discard('rate_limited', validLines, validBytes);
      throw new RateLimitedError([
        `Ingestion rate limit exceeded for user ${tenant} (limit: ${Math.floor(rate)} bytes/sec) while attempting to ingest '${validLines}' lines totaling '${validBytes}' bytes, reduce log volume or contact your Loki administrator to see if the limit can be increased`,
      ]);
    }
    // Streams, limits and order checks are planned (yielding) while no other push of this tenant runs, then the
    // streams are created and the entries written in one synchronous step.
    await this.exclusive(tenant, async () => {
      const plans: StreamEntries[] = [];
      const streamLimitErrors: string[] = [];
      /** Streams this request touches: the head's, or null for one it will create. */
      const seen = new Map<string, HeadStream | null>();
      let active = this.ingester.activeStreams(tenant);
      const maxStreams = streamLimit(lim);
      for (const p of pending) {
        if (slicer.due()) await slicer.yieldNow();
        const key = p.labels.key();
        let stream = seen.get(key);
        if (stream === undefined) {
          stream = this.ingester.findStream(tenant, p.labels) ?? null;
          if (stream === null) {
            if (maxStreams > 0 && active >= maxStreams) {
              discard('stream_limit', p.ts.length, sumBytes(p.lines));
              streamLimitErrors.push(
                `Maximum active stream limit exceeded when trying to create stream ${labelsString(p.labels)}, reduce the number of active streams (reduce labels or reduce label values), or contact your Loki administrator to see if the limit can be increased, user: '${tenant}'`,
              );
              continue;
            }
            active++;
          }
          seen.set(key, stream);
        }
        const sel = new EntrySelection(p);
        // Order checks see entries of this request that come before (the stream's newest moves as we go). A line
        // equal to the newest one at the same time is a duplicate: the head's newest is compared as a string, the
        // request's own as bytes.
        const window = this.ingester.outOfOrderWindowNs;
        // Too far behind: older than the newest seen minus the window — tested as `newest - ts > window` only for
        // an entry older than the newest, so an in-order entry costs no bigint arithmetic. The newest seen is the
        // stream's (`before`) until an entry of this request is (`lastIdx`): times are compared where they are, in
        // the column, never kept in a variable that changes — in optimized code no bigint object per entry.
        const before = stream ? stream.newest : NO_ENTRY;
        const ts = p.ts;
        let lastIdx = -1;
        for (let i = 0; i < ts.length; i++) {
          const same = lastIdx >= 0 ? ts[i] === ts[lastIdx] : ts[i] === before;
          if (same && (lastIdx >= 0 ? sameLine(p.lines, i, p.lines, lastIdx) : stream !== null && lineAt(p.lines, i) === stream.lastLine)) {
            sel.drop(i);
            continue;
          }
          const behind = lastIdx >= 0 ? ts[i] < ts[lastIdx] : ts[i] < before;
          if (behind) {
            const newestSeen = lastIdx >= 0 ? ts[lastIdx] : before;
            if (newestSeen - ts[i] > window) {
              errors.push(`entry too far behind, entry timestamp is: ${formatRfc3339(ts[i])}, oldest acceptable timestamp is: ${formatRfc3339(newestSeen - window)}`);
              discard('too_far_behind', 1, lineByteLength(p.lines, i));
              sel.drop(i);
              continue;
            }
          } else lastIdx = i;
          sel.take(i);
        }
        const w = sel.result();
        if (w) plans.push(w);
      }
      let created = 0;
      const writes: StreamWrite[] = plans.map((w) => {
        const [stream, isNew] = this.ingester.stream(tenant, w.labels);
        if (isNew) created++;
        return { stream, ts: w.ts, lines: w.lines, metadata: w.metadata };
      });
      this.ingester.write(tenant, writes);
      if (created > 0) this.metrics.streamsCreated.inc({ tenant }, created);
      if (streamLimitErrors.length > 0) throw new StreamLimitError([...streamLimitErrors, ...errors]);
    });
    if (errors.length > 0) throw new InvalidEntriesError(errors);
  }

  /** Run `fn` after every earlier `exclusive` call of the tenant has finished (pushes of one tenant in turn). */
  private async exclusive(tenant: string, fn: () => Promise<void>): Promise<void> {
    const prev = this.tenantTurns.get(tenant);
    let done!: () => void;
    const mine = new Promise<void>((resolve) => (done = resolve));
    this.tenantTurns.set(tenant, mine);
    try {
      if (prev) await prev;
      // The previous push's turn ended in this event-loop turn: start in a turn of our own (ingest lane), so the
      // synchronous write steps of queued pushes do not run back to back.
      await INGEST_LANE.wait();
      await fn();
    } finally {
      done();
      if (this.tenantTurns.get(tenant) === mine) this.tenantTurns.delete(tenant);
    }
  }
}

/**
 * The active stream limit of a tenant: the smaller of the local (`max_streams_per_user`) and global
 * (`max_global_streams_per_user`) limits that are set, as Loki's ingester computes it with one ingester and a
 * replication factor of 1; 0 = unlimited.
 */
/** The newest timestamp of a stream that has no entry yet. */
const NO_ENTRY = -(2n ** 63n);
const MIN_TS = -(2n ** 63n);

/** Whether every time of the column is within [lo, hi]. */
function allWithin(ts: BigInt64Array, lo: bigint, hi: bigint): boolean {
  for (let i = 0; i < ts.length; i++) if (ts[i] < lo || ts[i] > hi) return false;
  return true;
}

function streamLimit(lim: LogsLimits): number {
  const local = lim.max_streams_per_user;
  const global = lim.max_global_streams_per_user;
  if (local > 0 && global > 0) return Math.min(local, global);
  return local > 0 ? local : global;
}

/** The length of the longest prefix of the line at `start` that is at most `max` bytes (never splitting a UTF-8 character). */
function truncatedLength(buf: Buffer, start: number, max: number): number {
  let end = max;
  while (end > 0 && (buf[start + end] & 0xc0) === 0x80) end--;
  return end;
}

function sumBytes(lines: LineBytes): number {
  let n = 0;
  for (let i = 1; i < lines.offs.length; i += 2) n += lines.offs[i] - lines.offs[i - 1];
  return n;
}

function formatRfc3339(ns: bigint): string {
  return formatGoTime(ns, true);
}

import { Counter, type Registry } from 'prom-client';
import type { Overrides, TraceLimits } from '../../config/index.js';
import { TenantTokenBuckets } from '../../lib/token-bucket.js';
import { arrivedBytesIfUnchanged, bytesToHex, encodeTracesRequest } from '../../otlp/index.js';
import type { ExportTraceServiceRequest, PushOutcome, ResourceSpans, TracesConsumer } from '../../otlp/index.js';
import { TracePushError, type DiscardReason } from '../model/index.js';
import { validSpans } from './validate-spans.js';

/** What the distributor needs of the ingester: the live head's state, and the append. */
export interface IngesterPort {
  liveTraceBytes(tenant: string, traceIdHex: string): number;
  isLive(tenant: string, traceIdHex: string): boolean;
  liveTraceCount(tenant: string): number;
  push(tenant: string, resourceSpans: ResourceSpans[], payload: Uint8Array): void;
  /**
   * Undefined when a push of `bytes` may go ahead now, else a promise that settles when it may be tried (the
   * ingester's back-pressure: the push is then made, and refused if there is still no room).
   */
  waitForRoom?(bytes: number): Promise<boolean> | undefined;
}

export interface DistributorOptions {
  ingester: IngesterPort;
  /** Per-tenant limits (Tempo's overrides). */
  overrides: Overrides<TraceLimits>;
  registry?: Registry;
  now?: () => number;
  /** Called with the spans of every acknowledged push (after the WAL), e.g. by the metrics generator. */
  onAccepted?: (tenant: string, resourceSpans: ResourceSpans[]) => void;
}

/** Collects the spans refused from a push: their count, the first message, and the discard metric. */
class Refusals {
  count = 0;
  message = '';
  firstReason: DiscardReason = 'invalid_trace_id';

  constructor(
    private readonly tenant: string,
    private readonly discarded?: Counter,
  ) {}

  add(n: number, reason: DiscardReason, message: string): void {
    this.count += n;
    if (this.message === '') {
      this.message = message;
      this.firstReason = reason;
    }
    this.discarded?.inc({ reason, tenant: this.tenant }, n);
  }
}

/**
 * The distributor (Tempo's distributor): validates the spans of a push, applies the tenant's limits (ingestion
 * rate, bytes per trace, live traces) and hands what is left to the ingester. Spans refused individually are
 * counted in the outcome; a push refused as a whole raises `TracePushError` (the API picks the status code).
 */
export class Distributor implements TracesConsumer {
  private readonly limiter: TenantTokenBuckets;
  private readonly m?: { received: Counter; bytes: Counter; discarded: Counter };

  constructor(private readonly opts: DistributorOptions) {
    this.limiter = new TenantTokenBuckets(opts.now);
    const r = opts.registry;
    if (r) {
      this.m = {
        received: new Counter({ name: 'tempo_distributor_spans_received_total', help: 'The total number of spans received per tenant', labelNames: ['tenant'], registers: [r] }),
        bytes: new Counter({ name: 'tempo_distributor_bytes_received_total', help: 'The total number of proto bytes received per tenant', labelNames: ['tenant'], registers: [r] }),
        discarded: new Counter({ name: 'tempo_discarded_spans_total', help: 'The total number of samples that were discarded.', labelNames: ['reason', 'tenant'], registers: [r] }),
      };
    }
  }

  pushTraces(tenant: string, req: ExportTraceServiceRequest): Promise<PushOutcome> {
    try {
      return Promise.resolve(this.push(tenant, req));
    } catch (e) {
      return Promise.reject(e as Error);
    }
  }

  private push(tenant: string, req: ExportTraceServiceRequest): PushOutcome | Promise<PushOutcome> {
    const limits = this.opts.overrides.forTenant(tenant);
    const refused = new Refusals(tenant, this.m?.discarded);
    const { accepted, spans: validCount } = validSpans(req.resourceSpans ?? [], (reason, msg) => refused.add(1, reason, msg));
    let spans = validCount;
    if (spans === 0) {
      if (refused.count > 0) throw new TracePushError(refused.firstReason, refused.message);
      return { rejected: 0, message: '' };
    }
    // What the WAL keeps: the request's own bytes when every span was accepted and nothing changed it since it
    // arrived (no copy, no encoding: the head holds those bytes anyway), else the accepted spans encoded.
    let payload = arrivedBytesIfUnchanged(req, accepted) ?? encodeTracesRequest({ resourceSpans: accepted });
    // A rate of 0 means no limit.
    if (limits.ingestion_rate_limit_bytes > 0 && !this.limiter.allow(tenant, payload.length, limits.ingestion_rate_limit_bytes, limits.ingestion_burst_size_bytes)) {
      this.m?.discarded.inc({ reason: 'rate_limited', tenant }, spans + refused.count);
      throw new TracePushError(
        'rate_limited',
        `RATE_LIMITED: ingestion rate limit (${limits.ingestion_rate_limit_bytes} bytes) exceeded while adding ${payload.length} bytes for user ${tenant}`,
      );
    }
    const dropped = this.applyTraceLimits(tenant, limits, accepted, payload.length / spans, refused);
    if (dropped.count > 0) {
      spans -= dropped.count;
      if (spans === 0) throw new TracePushError(dropped.lastReason, refused.message);
      payload = encodeTracesRequest({ resourceSpans: accepted });
    }
    const wait = this.opts.ingester.waitForRoom?.(payload.length);
    if (wait) return wait.then(() => this.deliver(tenant, accepted, payload, spans, refused));
    return this.deliver(tenant, accepted, payload, spans, refused);
  }

  /** Hand the accepted spans (`payload` encoded) to the ingester, then to `onAccepted`; count them. */
  private deliver(tenant: string, accepted: ResourceSpans[], payload: Uint8Array, spans: number, refused: Refusals): PushOutcome {
    try {
      this.opts.ingester.push(tenant, accepted, payload);
    } catch (e) {
      if (e instanceof TracePushError && e.reason === 'live_traces_exceeded') this.m?.discarded.inc({ reason: e.reason, tenant }, spans);
      throw e;
    }
    this.opts.onAccepted?.(tenant, accepted);
    this.m?.received.inc({ tenant }, spans);
    this.m?.bytes.inc({ tenant }, payload.length);
    return { rejected: refused.count, message: refused.message };
  }

  /**
   * Per-trace limits, with sizes estimated from the encoded size per span: spans that would take a trace over
   * `max_bytes_per_trace`, and spans of new traces once the tenant has `max_traces_per_user` live traces, are
   * removed from `accepted` (in place).
   */
  private applyTraceLimits(
    tenant: string,
    limits: TraceLimits,
    accepted: ResourceSpans[],
    perSpan: number,
    refused: Refusals,
  ): { count: number; lastReason: DiscardReason } {
    const maxBytes = limits.max_bytes_per_trace;
    const maxTraces = limits.max_traces_per_user;
    const out = { count: 0, lastReason: 'trace_too_large' as DiscardReason };
    if (maxBytes <= 0 && maxTraces <= 0) return out;
    const ing = this.opts.ingester;
    const added = new Map<string, number>();
    let live = ing.liveTraceCount(tenant);
    for (const rs of accepted)
      for (const ss of rs.scopeSpans!) {
        ss.spans = ss.spans!.filter((sp) => {
          const id = bytesToHex(sp.traceId);
          const already = added.get(id);
          const isNew = already === undefined && !ing.isLive(tenant, id);
          if (maxTraces > 0 && isNew && live >= maxTraces) {
            out.count++;
            out.lastReason = 'live_traces_exceeded';
            refused.add(1, 'live_traces_exceeded', `LIVE_TRACES_EXCEEDED: max live traces exceeded for tenant ${tenant}: per-user traces limit (local: ${maxTraces} global: 0 actual local: ${maxTraces}) exceeded`);
            return false;
          }
          const cur = ing.liveTraceBytes(tenant, id) + (already ?? 0);
          if (maxBytes > 0 && cur + perSpan > maxBytes) {
            out.count++;
            out.lastReason = 'trace_too_large';
            refused.add(1, 'trace_too_large', `TRACE_TOO_LARGE: max size of trace (${maxBytes}) exceeded while adding ${Math.ceil(perSpan)} bytes to trace ${id} for tenant ${tenant}`);
            return false;
          }
          if (isNew) live++;
          added.set(id, (already ?? 0) + perSpan);
          return true;
        });
      }
    return out;
  }
}

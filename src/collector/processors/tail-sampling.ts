import * as z from 'zod';
import { anyValueToJs, bytesToHex, int64ToNumber, type InstrumentationScope, type KeyValue, type Resource, type ResourceSpans, type Span } from '../../otlp/index.js';
import { compileUnanchored } from '../../model/index.js';
import type { ProcessorFactory } from '../components.js';
import { goDurationMs } from '../config/go-duration.js';
import type { ClientContext, Consumer } from '../pipeline/consumer.js';
import { murmur3 } from './probabilistic-sampler.js';

const leaf = {
  latency: z.strictObject({ threshold_ms: z.number().nonnegative(), upper_threshold_ms: z.number().nonnegative().optional() }).optional(),
  status_code: z.strictObject({ status_codes: z.array(z.enum(['OK', 'ERROR', 'UNSET'])).min(1) }).optional(),
  probabilistic: z.strictObject({ hash_salt: z.string().default(''), sampling_percentage: z.number().min(0).max(100) }).optional(),
  string_attribute: z
    .strictObject({ key: z.string(), values: z.array(z.string()).min(1), enabled_regex_matching: z.boolean().default(false), cache_max_size: z.number().optional(), invert_match: z.boolean().default(false) })
    .optional(),
  numeric_attribute: z.strictObject({ key: z.string(), min_value: z.number().optional(), max_value: z.number().optional(), invert_match: z.boolean().default(false) }).optional(),
  rate_limiting: z.strictObject({ spans_per_second: z.number().int().positive() }).optional(),
  span_count: z.strictObject({ min_spans: z.number().int().nonnegative(), max_spans: z.number().int().optional() }).optional(),
};
const LEAF_TYPES = ['always_sample', 'latency', 'status_code', 'probabilistic', 'string_attribute', 'numeric_attribute', 'rate_limiting', 'span_count'] as const;

const subPolicy = z.strictObject({ name: z.string(), type: z.enum(LEAF_TYPES), ...leaf });
const policySchema = z.strictObject({
  name: z.string(),
  type: z.enum([...LEAF_TYPES, 'and', 'composite']),
  ...leaf,
  and: z.strictObject({ and_sub_policy: z.array(subPolicy).min(1) }).optional(),
  composite: z
    .strictObject({
      max_total_spans_per_second: z.number().int().positive(),
      policy_order: z.array(z.string()),
      composite_sub_policy: z.array(subPolicy).min(1),
      rate_allocation: z.array(z.strictObject({ policy: z.string(), percent: z.number().min(0).max(100) })).default([]),
    })
    .optional(),
});

const schema = z.strictObject({
  decision_wait: goDurationMs.default(30_000),
  num_traces: z.number().int().positive().default(50_000),
  expected_new_traces_per_sec: z.number().int().nonnegative().default(0),
  decision_cache: z.looseObject({}).optional(),
  policies: z.array(policySchema).min(1, 'at least one policy is required'),
});

type PolicyConfig = z.output<typeof policySchema> | z.output<typeof subPolicy>;

interface Entry {
  resource: Resource | null | undefined;
  scope: InstrumentationScope | null | undefined;
  schemaUrl?: string;
  span: Span;
}

/** A trace gathered while its decision waits. */
export interface TraceData {
  entries: Entry[];
  firstSeen: number;
}

/** `Sampled`, `NotSampled`, or an inverted match's `InvertNotSampled`, which vetoes every other policy. */
type Decision = 'sampled' | 'not_sampled' | 'invert_not_sampled' | 'invert_sampled';
type Policy = (t: TraceData, now: number) => Decision;

const STATUS: Record<string, number> = { UNSET: 0, OK: 1, ERROR: 2 };

function attrValues(e: Entry, key: string): (string | number | boolean)[] {
  const out: (string | number | boolean)[] = [];
  const find = (attrs: KeyValue[] | undefined) => {
    for (const kv of attrs ?? []) if (kv.key === key) out.push(anyValueToJs(kv.value) ?? '');
  };
  find(e.resource?.attributes);
  find(e.span.attributes);
  return out;
}

/** A per-second budget of spans. */
function rateLimiter(perSecond: number): (spans: number, now: number) => boolean {
  let second = 0;
  let used = 0;
  return (spans, now) => {
    const s = Math.floor(now / 1000);
    if (s !== second) {
      second = s;
      used = 0;
    }
    if (used + spans > perSecond) return false;
    used += spans;
    return true;
  };
}

function compilePolicy(p: PolicyConfig): Policy {
  const yes = (b: boolean): Decision => (b ? 'sampled' : 'not_sampled');
  switch (p.type) {
    case 'always_sample':
      return () => 'sampled';
    case 'latency': {
      const c = p.latency!;
      return (t) => {
        let min = Infinity;
        let max = -Infinity;
        for (const e of t.entries) {
          min = Math.min(min, int64ToNumber(e.span.startTimeUnixNano));
          max = Math.max(max, int64ToNumber(e.span.endTimeUnixNano));
        }
        const ms = (max - min) / 1e6;
        return yes(ms >= c.threshold_ms && (c.upper_threshold_ms === undefined || c.upper_threshold_ms === 0 || ms <= c.upper_threshold_ms));
      };
    }
    case 'status_code': {
      const codes = new Set(p.status_code!.status_codes.map((s) => STATUS[s]));
      return (t) => yes(t.entries.some((e) => codes.has(e.span.status?.code ?? 0)));
    }
    case 'probabilistic': {
      const c = p.probabilistic!;
      const threshold = (c.sampling_percentage / 100) * 2 ** 32;
      const salt = Buffer.from(c.hash_salt);
      return (t) => {
        const id = t.entries[0].span.traceId;
        return yes(murmur3(Buffer.concat([salt, Buffer.from(id)]), 0) < threshold);
      };
    }
    case 'string_attribute': {
      const c = p.string_attribute!;
      const tests = c.enabled_regex_matching ? c.values.map((v) => compileUnanchored(v)) : undefined;
      const set = new Set(c.values);
      const match = (v: string | number | boolean) => (tests ? tests.some((re) => re.test(String(v))) : set.has(String(v)));
      return (t) => {
        const hit = t.entries.some((e) => attrValues(e, c.key).some(match));
        if (!c.invert_match) return yes(hit);
        return hit ? 'invert_not_sampled' : 'invert_sampled';
      };
    }
    case 'numeric_attribute': {
      const c = p.numeric_attribute!;
      const min = c.min_value ?? -Infinity;
      const max = c.max_value ?? Infinity;
      return (t) => {
        const hit = t.entries.some((e) => attrValues(e, c.key).some((v) => typeof v === 'number' && v >= min && v <= max));
        if (!c.invert_match) return yes(hit);
        return hit ? 'invert_not_sampled' : 'invert_sampled';
      };
    }
    case 'rate_limiting': {
      const allow = rateLimiter(p.rate_limiting!.spans_per_second);
      return (t, now) => yes(allow(t.entries.length, now));
    }
    case 'span_count': {
      const c = p.span_count!;
      return (t) => yes(t.entries.length >= c.min_spans && (c.max_spans === undefined || c.max_spans === 0 || t.entries.length <= c.max_spans));
    }
    case 'and': {
      const subs = (p as z.output<typeof policySchema>).and!.and_sub_policy.map(compilePolicy);
      return (t, now) => {
        for (const s of subs) {
          const d = s(t, now);
          if (d === 'not_sampled' || d === 'invert_not_sampled') return 'not_sampled';
        }
        return 'sampled';
      };
    }
    case 'composite': {
      const c = (p as z.output<typeof policySchema>).composite!;
      const byName = new Map(c.composite_sub_policy.map((s) => [s.name, s]));
      const order = c.policy_order.map((n) => {
        const s = byName.get(n);
        if (!s) throw new Error(`composite policy ${p.name}: policy_order names ${JSON.stringify(n)}, which is not a composite_sub_policy`);
        const share = c.rate_allocation.find((r) => r.policy === n)?.percent;
        return { policy: compilePolicy(s), allow: rateLimiter(share === undefined ? c.max_total_spans_per_second : Math.floor((c.max_total_spans_per_second * share) / 100)) };
      });
      const total = rateLimiter(c.max_total_spans_per_second);
      return (t, now) => {
        for (const o of order) {
          const d = o.policy(t, now);
          if ((d === 'sampled' || d === 'invert_sampled') && o.allow(t.entries.length, now) && total(t.entries.length, now)) return 'sampled';
        }
        return 'not_sampled';
      };
    }
  }
}

/** The Collector's combination: any inverted non-match vetoes; otherwise any sampled (or inverted sampled) keeps. */
export function decide(policies: Policy[], t: TraceData, now: number): boolean {
  let sampled = false;
  for (const p of policies) {
    const d = p(t, now);
    if (d === 'invert_not_sampled') return false;
    if (d === 'sampled' || d === 'invert_sampled') sampled = true;
  }
  return sampled;
}

/** Regroup entries under their original resource and scope objects. */
function toRequest(entries: Entry[]): ResourceSpans[] {
  const byRes = new Map<unknown, { rs: ResourceSpans; scopes: Map<unknown, Span[]> }>();
  for (const e of entries) {
    let g = byRes.get(e.resource);
    if (!g) byRes.set(e.resource, (g = { rs: { resource: e.resource, scopeSpans: [], schemaUrl: e.schemaUrl }, scopes: new Map() }));
    let spans = g.scopes.get(e.scope);
    if (!spans) {
      spans = [];
      g.scopes.set(e.scope, spans);
      g.rs.scopeSpans!.push({ scope: e.scope, spans });
    }
    spans.push(e.span);
  }
  return [...byRes.values()].map((g) => g.rs);
}

/**
 * `tail_sampling`: spans are held per trace for `decision_wait` after the trace's first span, then the policies
 * decide for the whole trace (latency, status_code, probabilistic, string_attribute, numeric_attribute,
 * rate_limiting, span_count, and, composite; an inverted match vetoes). Spans arriving after the decision follow it.
 * At most `num_traces` traces wait; the oldest is dropped to make room. Acknowledged at once, as in the Collector.
 */
export const tailSamplingFactory: ProcessorFactory<typeof schema> = {
  type: 'tail_sampling',
  signals: ['traces'],
  schema,
  create(id, cfg, _signal, next: Consumer, env) {
    const policies = cfg.policies.map(compilePolicy);
    const pending = new Map<string, TraceData>();
    const decided = new Map<string, boolean>();
    const labels = { processor: id };
    let timer: NodeJS.Timeout | undefined;
    const send = (entries: Entry[]) => {
      if (entries.length === 0) return;
      next.consume({ signal: 'traces', req: { resourceSpans: toRequest(entries) } }, {} as ClientContext).catch((e: unknown) => {
        env.telemetry.processorDropped.traces.inc(labels, entries.length);
        env.logger.warn({ processor: id, err: (e as Error).message }, 'sending sampled trace failed');
      });
    };
    const remember = (key: string, keep: boolean) => {
      decided.set(key, keep);
      if (decided.size > cfg.num_traces) decided.delete(decided.keys().next().value!);
    };
    const tick = () => {
      const now = Date.now();
      const keep: Entry[] = [];
      for (const [key, t] of pending) {
        if (now - t.firstSeen < cfg.decision_wait) break;
        pending.delete(key);
        const k = decide(policies, t, now);
        remember(key, k);
        if (k) keep.push(...t.entries);
        else env.telemetry.processorDropped.traces.inc(labels, t.entries.length);
      }
      send(keep);
    };
    return {
      mutates: true,
      async start() {
        timer = setInterval(tick, Math.max(5, Math.min(1000, cfg.decision_wait / 4)));
        timer.unref();
      },
      async shutdown() {
        if (timer) clearInterval(timer);
      },
      async consume(data) {
        if (data.signal !== 'traces') return;
        const now = Date.now();
        const late: Entry[] = [];
        for (const rs of data.req.resourceSpans ?? [])
          for (const ss of rs.scopeSpans ?? [])
            for (const span of ss.spans ?? []) {
              const key = bytesToHex(span.traceId);
              const e: Entry = { resource: rs.resource, scope: ss.scope, schemaUrl: rs.schemaUrl, span };
              const d = decided.get(key);
              if (d !== undefined) {
                if (d) late.push(e);
                continue;
              }
              let t = pending.get(key);
              if (!t) {
                if (pending.size >= cfg.num_traces) {
                  const [oldKey, old] = pending.entries().next().value!;
                  pending.delete(oldKey);
                  env.telemetry.processorDropped.traces.inc(labels, old.entries.length);
                }
                pending.set(key, (t = { entries: [], firstSeen: now }));
              }
              t.entries.push(e);
            }
        send(late);
      },
    };
  },
};


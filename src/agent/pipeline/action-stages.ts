import { isValidLabelName } from '../../model/index.js';
import { TENANT_LABEL } from '../client/loki-client.js';
import { deriveLabels, setLabel, type LogEntry } from '../entry.js';
import { compileTimeLayout, type TimeParser } from './go-time.js';
import { extractedValue, valueToString } from './extracted.js';
import type { Stage } from './pipeline.js';
import type { StageConfig } from './stage-config.js';

function checkNames(names: string[], what: string): void {
  for (const n of names) if (!isValidLabelName(n)) throw new Error(`${what}: invalid label name ${JSON.stringify(n)}`);
}

/** `labels`: extracted values (by source name, or the label's own name) become labels. */
export function labelsStage(cfg: Record<string, string>): Stage {
  const pairs = Object.entries(cfg).map(([name, src]) => [name, src === '' ? name : src] as const);
  checkNames(pairs.map(([n]) => n), 'labels');
  return {
    name: 'labels',
    processRaw(e) {
      for (const [name, src] of pairs) {
        const v = e.extractedString(src);
        if (v !== undefined) setLabel(e, name, v);
      }
      return true;
    },
    process(e, emit) {
      for (const [name, src] of pairs) {
        const v = valueToString(extractedValue(e, src));
        if (v !== undefined) setLabel(e, name, v);
      }
      emit(e);
    },
  };
}

export function staticLabelsStage(cfg: Record<string, string | null>): Stage {
  const pairs = Object.entries(cfg).filter((p): p is [string, string] => p[1] !== null && p[1] !== '');
  checkNames(pairs.map(([n]) => n), 'static_labels');
  return {
    name: 'static_labels',
    processRaw(e) {
      for (const [k, v] of pairs) setLabel(e, k, v);
      return true;
    },
    process(e, emit) {
      for (const [k, v] of pairs) setLabel(e, k, v);
      emit(e);
    },
  };
}

export function labelDropStage(names: string[]): Stage {
  const dropKey = `\u0001drop\u0000${names.join('\u0000')}`;
  return {
    name: 'labeldrop',
    process(e, emit) {
      if (names.some((n) => n in e.labels)) {
        deriveLabels(e, dropKey, (l) => {
          for (const n of names) delete l[n];
        });
      }
      emit(e);
    },
  };
}

export function labelAllowStage(names: string[]): Stage {
  const allow = new Set(names);
  const allowKey = `\u0001allow\u0000${names.join('\u0000')}`;
  return {
    name: 'labelallow',
    process(e, emit) {
      if (Object.keys(e.labels).some((n) => !allow.has(n) && !n.startsWith('__'))) {
        deriveLabels(e, allowKey, (l) => {
          for (const n of Object.keys(l)) if (!allow.has(n) && !n.startsWith('__')) delete l[n];
        });
      }
      emit(e);
    },
  };
}

export function structuredMetadataStage(cfg: Record<string, string>): Stage {
  const pairs = Object.entries(cfg).map(([name, src]) => [name, src === '' ? name : src] as const);
  return {
    name: 'structured_metadata',
    process(e, emit) {
      for (const [name, src] of pairs) {
        const v = valueToString(extractedValue(e, src));
        if (v !== undefined) (e.structuredMetadata ??= {})[name] = v;
      }
      emit(e);
    },
  };
}

/** `tenant`: the entry goes to the tenant given by `value`, an extracted `source`, or a `label`. */
export function tenantStage(cfg: NonNullable<StageConfig['tenant']>): Stage {
  return {
    name: 'tenant',
    process(e, emit) {
      const v = cfg.value ?? (cfg.source !== undefined ? valueToString(extractedValue(e, cfg.source)) : e.labels[cfg.label!]);
      if (v !== undefined && v !== '') setLabel(e, TENANT_LABEL, v);
      emit(e);
    },
  };
}

/** `output`: the line becomes an extracted value. */
export function outputStage(cfg: NonNullable<StageConfig['output']>): Stage {
  return {
    name: 'output',
    process(e, emit) {
      const v = valueToString(extractedValue(e, cfg.source));
      if (v !== undefined) e.line = v;
      emit(e);
    },
  };
}

/**
 * `timestamp`: the entry's time from an extracted value in a Go layout (or fallback layouts). On failure, `fudge`
 * (default) uses the stream's last parsed time plus 1 ns, `skip` keeps the read time.
 */
export function timestampStage(cfg: NonNullable<StageConfig['timestamp']>): Stage {
  const parsers: TimeParser[] = [cfg.format, ...cfg.fallback_formats].map((f) => compileTimeLayout(f, cfg.location));
  if (cfg.location) new Intl.DateTimeFormat('en-US', { timeZone: cfg.location }); // refuses an unknown zone
  const last = new WeakMap<Record<string, string>, { ms: number; ns: number }>();
  const fudge = (e: LogEntry) => {
    const l = last.get(e.labels);
    if (!l) return;
    l.ns++;
    if (l.ns >= 1e6) {
      l.ms++;
      l.ns = 0;
    }
    e.tsMs = l.ms;
    e.tsNs = l.ns;
  };
  return {
    name: 'timestamp',
    process(e, emit) {
      const v = valueToString(extractedValue(e, cfg.source));
      let t: { ms: number; ns: number } | undefined;
      if (v !== undefined) for (const p of parsers) if ((t = p.parse(v))) break;
      if (t) {
        e.tsMs = t.ms;
        e.tsNs = t.ns;
        last.set(e.labels, { ms: t.ms, ns: t.ns });
      } else if (cfg.action_on_failure === 'fudge') fudge(e);
      emit(e);
    },
  };
}

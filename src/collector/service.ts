import { MemoryPressure } from './pipeline/memory-pressure.js';
import { ConfigError } from '../config/index.js';
import { checkAuthenticators } from './auth-references.js';
import type { AuthExtension, BuildEnv, ConnectorFactory, Exporter, Extension, Receiver, StorageExtension } from './components.js';
import { parseComponentId } from './config/component-id.js';
import type { CollectorConfig } from './config/collector-config.js';
import type { Consumer, Lifecycle, Signal } from './pipeline/consumer.js';
import { FanOut } from './pipeline/fan-out.js';
import { FACTORIES, type ComponentKind } from './registry.js';

const SIGNALS: readonly Signal[] = ['traces', 'metrics', 'logs'];
const KIND_NAME: Record<ComponentKind, string> = { receivers: 'receiver', processors: 'processor', exporters: 'exporter', connectors: 'connector', extensions: 'extension' };

function formatPath(path: readonly PropertyKey[]): string {
  return path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
}

interface Validated {
  type: string;
  cfg: unknown;
}

/** A collector configuration checked against the factories, ready to build. */
export interface CollectorPlan {
  components: Record<ComponentKind, Map<string, Validated>>;
  pipelines: { id: string; signal: Signal; receivers: string[]; processors: string[]; exporters: string[] }[];
  extensions: string[];
}

/**
 * Check a Collector configuration as the Collector does at start, with the YAML path of each problem: unknown
 * component types (listing the supported ones), invalid component settings, pipelines naming components that are
 * not configured, receivers in no pipeline, connectors not used on both sides, signals a component does not support.
 */
export function planCollector(config: CollectorConfig, file: string): CollectorPlan {
  const fail = (path: string, reason: string): never => {
    throw new ConfigError(file, path, reason);
  };
  const components = { receivers: new Map(), processors: new Map(), exporters: new Map(), connectors: new Map(), extensions: new Map() } as CollectorPlan['components'];
  for (const kind of Object.keys(FACTORIES) as ComponentKind[]) {
    for (const [rawId, rawCfg] of Object.entries(config[kind])) {
      const id = parseComponentId(rawId);
      if (typeof id === 'string') fail(`${kind}.${rawId}`, id);
      const { type } = id as Exclude<typeof id, string>;
      const factory = FACTORIES[kind].get(type);
      if (!factory)
        fail(`${kind}.${rawId}`, `unknown type: ${JSON.stringify(type)} for ${KIND_NAME[kind]} (valid values: [${[...FACTORIES[kind].keys()].sort().join(' ')}])`);
      const r = factory!.schema.safeParse(rawCfg ?? {});
      if (!r.success) {
        const issue = r.error.issues[0];
        let path = issue.path;
        let reason = issue.message;
        if (issue.code === 'unrecognized_keys') {
          path = [...issue.path, issue.keys[0]];
          reason = `has invalid keys: ${issue.keys.join(', ')}`;
        }
        fail(`${kind}.${rawId}${formatPath(path)}`, reason);
      }
      components[kind].set(rawId, { type, cfg: r.data });
    }
  }
  const extensions: string[] = [];
  config.service.extensions.forEach((ext, i) => {
    if (!components.extensions.has(ext)) {
      // The Helm chart's defaults configure `health_check`; a bare reference to a known type uses its defaults.
      const id = parseComponentId(ext);
      const factory = typeof id === 'string' ? undefined : FACTORIES.extensions.get(id.type);
      if (!factory) fail(`service.extensions[${i}]`, `references extension ${JSON.stringify(ext)} which is not configured`);
      components.extensions.set(ext, { type: (id as { type: string }).type, cfg: factory!.schema.parse({}) });
    }
    extensions.push(ext);
  });
  const pipelines: CollectorPlan['pipelines'] = [];
  const usedReceivers = new Set<string>();
  const connectorAsExporter = new Map<string, Signal[]>();
  const connectorAsReceiver = new Map<string, Signal[]>();
  if (Object.keys(config.service.pipelines).length === 0) fail('service.pipelines', 'service must have at least one pipeline');
  for (const [pid, p] of Object.entries(config.service.pipelines)) {
    const base = `service.pipelines.${pid}`;
    const id = parseComponentId(pid);
    if (typeof id === 'string') fail(base, id);
    const signal = (id as { type: string }).type as Signal;
    if (!SIGNALS.includes(signal)) fail(base, `pipeline type ${JSON.stringify(signal)} is not supported (valid values: [logs metrics traces])`);
    if (p.receivers.length === 0) fail(`${base}.receivers`, 'must have at least one receiver');
    if (p.exporters.length === 0) fail(`${base}.exporters`, 'must have at least one exporter');
    p.receivers.forEach((r, i) => {
      if (components.receivers.has(r)) {
        const f = FACTORIES.receivers.get(components.receivers.get(r)!.type)!;
        if (!f.signals.includes(signal)) fail(`${base}.receivers[${i}]`, `receiver ${JSON.stringify(r)} does not support ${signal}`);
        usedReceivers.add(r);
      } else if (components.connectors.has(r)) connectorAsReceiver.set(r, [...(connectorAsReceiver.get(r) ?? []), signal]);
      else fail(`${base}.receivers[${i}]`, `references receiver ${JSON.stringify(r)} which is not configured`);
    });
    p.processors.forEach((r, i) => {
      if (!components.processors.has(r)) fail(`${base}.processors[${i}]`, `references processor ${JSON.stringify(r)} which is not configured`);
      const f = FACTORIES.processors.get(components.processors.get(r)!.type)!;
      if (!f.signals.includes(signal)) fail(`${base}.processors[${i}]`, `processor ${JSON.stringify(r)} does not support ${signal}`);
      if (p.processors.indexOf(r) !== i) fail(`${base}.processors[${i}]`, `references processor ${JSON.stringify(r)} multiple times`);
    });
    p.exporters.forEach((r, i) => {
      if (components.exporters.has(r)) {
        const f = FACTORIES.exporters.get(components.exporters.get(r)!.type)!;
        if (!f.signals.includes(signal)) fail(`${base}.exporters[${i}]`, `exporter ${JSON.stringify(r)} does not support ${signal}`);
      } else if (components.connectors.has(r)) connectorAsExporter.set(r, [...(connectorAsExporter.get(r) ?? []), signal]);
      else fail(`${base}.exporters[${i}]`, `references exporter ${JSON.stringify(r)} which is not configured`);
    });
    pipelines.push({ id: pid, signal, receivers: p.receivers, processors: p.processors, exporters: p.exporters });
  }
  for (const r of components.receivers.keys()) if (!usedReceivers.has(r)) fail(`receivers.${r}`, 'is not used in any pipeline');
  for (const [c, v] of components.connectors) {
    const f = FACTORIES.connectors.get(v.type)! as ConnectorFactory;
    const from = connectorAsExporter.get(c);
    const to = connectorAsReceiver.get(c);
    if (!from || !to) fail(`connectors.${c}`, `connector ${JSON.stringify(c)} used as ${from ? 'exporter' : 'receiver'} in a pipeline but not used as ${from ? 'receiver' : 'exporter'} in any pipeline`);
    for (const a of from!) if (!to!.some((b) => f.pairs.some(([x, y]) => x === a && y === b))) fail(`connectors.${c}`, `connector ${JSON.stringify(c)} cannot connect ${a} to ${to!.join('/')}`);
  }
  checkAuthenticators(components, extensions, fail);
  return { components, pipelines, extensions };
}

/** The running pipelines of a collector. */
export interface CollectorService {
  start(): Promise<void>;
  shutdown(): Promise<void>;
}

/**
 * Build the components of a plan (extensions, exporters, each pipeline's processors from last to first, connectors,
 * receivers) and wire them: a receiver feeds every pipeline that lists it (fan-out), a pipeline's last processor
 * feeds all its exporters, several pipelines may share an exporter (fan-in). Started exporters first, receivers
 * last; shut down in the opposite order.
 */
export function buildCollector(plan: CollectorPlan, env: Omit<BuildEnv, 'storage' | 'authenticator'>): CollectorService {
  const storages = new Map<string, StorageExtension>();
  const auths = new Map<string, AuthExtension>();
  const fullEnv: BuildEnv = { ...env, storage: (id) => storages.get(id), authenticator: (id) => auths.get(id), memoryPressure: env.memoryPressure ?? new MemoryPressure() };
  const extensions: Extension[] = [];
  for (const id of plan.extensions) {
    const v = plan.components.extensions.get(id)!;
    const ext = FACTORIES.extensions.get(v.type)!.create(id, v.cfg, fullEnv);
    if (ext.storage) storages.set(id, ext.storage);
    if (ext.auth) auths.set(id, ext.auth);
    extensions.push(ext);
  }
  // Storage extensions are usable by exporters even when only configured (the Collector requires listing them).
  for (const [id, v] of plan.components.extensions) {
    if (plan.extensions.includes(id)) continue;
    const ext = FACTORIES.extensions.get(v.type)!.create(id, v.cfg, fullEnv);
    if (ext.storage) {
      storages.set(id, ext.storage);
      extensions.push(ext);
    }
  }
  const exporters = new Map<string, Exporter>();
  const exporterOf = (id: string, signal: Signal): Exporter => {
    let e = exporters.get(id);
    if (!e) {
      const v = plan.components.exporters.get(id)!;
      e = FACTORIES.exporters.get(v.type)!.create(id, v.cfg, fullEnv);
      exporters.set(id, e);
    }
    (e as { signals?: Set<Signal> }).signals?.add(signal);
    return e;
  };
  // Each pipeline's entry point; connectors' receiver side is resolved once every pipeline exists.
  const entries = new Map<string, Consumer>();
  const processors: Lifecycle[] = [];
  const connectorTargets = new Map<string, FanOut>();
  const connectorInputs = new Map<string, Partial<Record<Signal, FanOut>>>();
  const connectorTarget = (id: string, signal: Signal): FanOut => {
    const k = `${id}\u0000${signal}`;
    let f = connectorTargets.get(k);
    if (!f) {
      f = new FanOut([]);
      connectorTargets.set(k, f);
      const m = connectorInputs.get(id) ?? {};
      m[signal] = f;
      connectorInputs.set(id, m);
    }
    return f;
  };
  const connectorExports: { id: string; from: Signal; slot: FanOut }[] = [];
  for (const p of plan.pipelines) {
    const outs: Consumer[] = p.exporters.map((id) => {
      if (plan.components.exporters.has(id)) return exporterOf(id, p.signal);
      const slot = new FanOut([]);
      connectorExports.push({ id, from: p.signal, slot });
      return slot;
    });
    let next: Consumer = new FanOut(outs);
    for (const id of [...p.processors].reverse()) {
      const v = plan.components.processors.get(id)!;
      const proc = FACTORIES.processors.get(v.type)!.create(id, v.cfg, p.signal, next, fullEnv);
      processors.push(proc);
      next = proc;
    }
    entries.set(p.id, next);
    for (const r of p.receivers) if (plan.components.connectors.has(r)) connectorTarget(r, p.signal).consumers.push(next);
  }
  const connectors: Lifecycle[] = [];
  for (const [id, v] of plan.components.connectors) {
    const c = FACTORIES.connectors.get(v.type)!.create(id, v.cfg, connectorInputs.get(id) ?? {}, fullEnv);
    connectors.push(c);
    for (const ce of connectorExports) if (ce.id === id) ce.slot.consumers.push(c.consumerFor(ce.from));
  }
  const receivers: Receiver[] = [];
  for (const [id, v] of plan.components.receivers) {
    const next: Partial<Record<Signal, Consumer>> = {};
    for (const signal of SIGNALS) {
      const targets = plan.pipelines.filter((p) => p.signal === signal && p.receivers.includes(id)).map((p) => entries.get(p.id)!);
      if (targets.length > 0) next[signal] = targets.length === 1 ? targets[0] : new FanOut(targets);
    }
    receivers.push(FACTORIES.receivers.get(v.type)!.create(id, v.cfg, next, fullEnv));
  }
  const order: Lifecycle[] = [...extensions, ...exporters.values(), ...connectors, ...processors, ...receivers];
  const started: Lifecycle[] = [];
  return {
    async start() {
      try {
        for (const c of order) {
          await c.start?.();
          started.push(c);
        }
      } catch (e) {
        await this.shutdown();
        throw e;
      }
    },
    async shutdown() {
      for (const c of started.splice(0).reverse()) {
        try {
          await c.shutdown?.();
        } catch (e) {
          env.logger.error({ err: e }, 'error while shutting down a collector component');
        }
      }
    },
  };
}

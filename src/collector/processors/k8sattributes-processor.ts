import * as z from 'zod';
import type { Resource } from '../../otlp/index.js';
import { compileAnchored } from '../../model/index.js';
import type { ProcessorFactory } from '../components.js';
import { attrJs, getAttr, resourcesOf, setAttr, toAnyValue } from '../pipeline/otlp-data.js';
import { PodCache, kubeApiFromEnv, type PodInfo } from './k8s-pod-cache.js';

const METADATA = [
  'k8s.namespace.name',
  'k8s.pod.name',
  'k8s.pod.uid',
  'k8s.pod.ip',
  'k8s.pod.start_time',
  'k8s.deployment.name',
  'k8s.replicaset.name',
  'k8s.statefulset.name',
  'k8s.daemonset.name',
  'k8s.job.name',
  'k8s.cronjob.name',
  'k8s.node.name',
  'k8s.cluster.uid',
  'k8s.container.name',
  'container.id',
  'container.image.name',
  'container.image.tag',
] as const;

const fieldExtract = z.strictObject({
  tag_name: z.string().optional(),
  key: z.string().optional(),
  key_regex: z.string().optional(),
  from: z.enum(['pod', 'namespace', 'node']).default('pod'),
});

const schema = z.strictObject({
  auth_type: z.enum(['none', 'serviceAccount', 'kubeConfig', 'tls']).default('serviceAccount'),
  passthrough: z.boolean().default(false),
  wait_for_metadata: z.boolean().default(false),
  wait_for_metadata_timeout: z.string().optional(),
  extract: z
    .strictObject({
      metadata: z.array(z.enum(METADATA)).default(['k8s.namespace.name', 'k8s.pod.name', 'k8s.pod.uid', 'k8s.pod.start_time', 'k8s.deployment.name', 'k8s.node.name']),
      labels: z.array(fieldExtract).default([]),
      annotations: z.array(fieldExtract).default([]),
      otel_annotations: z.boolean().optional(),
    })
    .prefault({}),
  pod_association: z
    .array(z.strictObject({ sources: z.array(z.strictObject({ from: z.enum(['resource_attribute', 'connection']), name: z.string().optional() })) }))
    .default([]),
  filter: z
    .strictObject({
      node: z.string().optional(),
      node_from_env_var: z.string().optional(),
      namespace: z.string().optional(),
      labels: z.array(z.unknown()).optional(),
      fields: z.array(z.unknown()).optional(),
    })
    .prefault({}),
  exclude: z.looseObject({}).optional(),
});

type Config = z.output<typeof schema>;

/** The default association: `k8s.pod.ip`, then `k8s.pod.uid`, then the connection's address (as the Collector). */
const DEFAULT_ASSOCIATION: Config['pod_association'] = [
  { sources: [{ from: 'resource_attribute', name: 'k8s.pod.ip' }] },
  { sources: [{ from: 'resource_attribute', name: 'k8s.pod.uid' }] },
  { sources: [{ from: 'connection' }] },
];

/** The deployment of a ReplicaSet-owned pod: the ReplicaSet's name without its pod-template hash. */
function deploymentOf(p: PodInfo): string | undefined {
  if (p.owner?.kind !== 'ReplicaSet') return undefined;
  const i = p.owner.name.lastIndexOf('-');
  return i > 0 ? p.owner.name.slice(0, i) : undefined;
}

function metadataValue(p: PodInfo, key: (typeof METADATA)[number]): string | undefined {
  switch (key) {
    case 'k8s.namespace.name':
      return p.namespace;
    case 'k8s.pod.name':
      return p.name;
    case 'k8s.pod.uid':
      return p.uid;
    case 'k8s.pod.ip':
      return p.ip;
    case 'k8s.pod.start_time':
      return p.startTime;
    case 'k8s.node.name':
      return p.nodeName;
    case 'k8s.deployment.name':
      return deploymentOf(p);
    case 'k8s.replicaset.name':
      return p.owner?.kind === 'ReplicaSet' ? p.owner.name : undefined;
    case 'k8s.statefulset.name':
      return p.owner?.kind === 'StatefulSet' ? p.owner.name : undefined;
    case 'k8s.daemonset.name':
      return p.owner?.kind === 'DaemonSet' ? p.owner.name : undefined;
    case 'k8s.job.name':
      return p.owner?.kind === 'Job' ? p.owner.name : undefined;
    default:
      return undefined;
  }
}

/** Add the pod's metadata, labels and annotations to a resource (existing attributes are kept). */
export function decorateResource(r: Resource, p: PodInfo, cfg: Config): void {
  const put = (k: string, v: string | undefined) => {
    if (v !== undefined && v !== '' && !getAttr(r.attributes, k)) setAttr(r, k, toAnyValue(v));
  };
  for (const m of cfg.extract.metadata) put(m, metadataValue(p, m));
  for (const [list, src, kind] of [
    [cfg.extract.labels, p.labels, 'labels'],
    [cfg.extract.annotations, p.annotations, 'annotations'],
  ] as const) {
    for (const f of list) {
      if (f.from !== 'pod') continue;
      if (f.key !== undefined) put(f.tag_name ?? `k8s.pod.${kind}.${f.key}`, src[f.key]);
      else if (f.key_regex !== undefined) {
        const re = compileAnchored(f.key_regex);
        for (const [k, v] of Object.entries(src)) if (re.test(k)) put(f.tag_name ? f.tag_name.replace('$1', k) : `k8s.pod.${kind}.${k}`, v);
      }
    }
  }
}

/**
 * `k8sattributes`: finds the pod that sent the data (by `pod_association`: a resource attribute such as
 * `k8s.pod.ip` / `k8s.pod.uid`, or the connection's address) in a list+watch cache of the Kubernetes API's pods,
 * and adds `extract.metadata` (namespace, pod, deployment, node, ...), labels and annotations to the resource. With
 * `passthrough` it only adds `k8s.pod.ip` (for a collector further on). Without a reachable API the data passes
 * unchanged (logged), so the collector starts outside a cluster.
 */
export const k8sattributesProcessorFactory: ProcessorFactory<typeof schema> = {
  type: 'k8sattributes',
  signals: ['traces', 'metrics', 'logs'],
  schema,
  create(id, cfg, _signal, next, env) {
    const log = env.logger.child({ kind: 'processor', name: id });
    const association = cfg.pod_association.length > 0 ? cfg.pod_association : DEFAULT_ASSOCIATION;
    let cache: PodCache | undefined;
    const find = (r: Resource, address: string | undefined): PodInfo | undefined => {
      if (!cache) return undefined;
      for (const a of association) {
        for (const s of a.sources) {
          if (s.from === 'connection') {
            const p = address ? cache.byIP(address) : undefined;
            if (p) return p;
            continue;
          }
          const v = s.name ? attrJs(r.attributes, s.name) : undefined;
          if (v === undefined) continue;
          const p = s.name === 'k8s.pod.uid' ? cache.byUID(String(v)) : s.name === 'k8s.pod.ip' || s.name === 'host.name' ? cache.byIP(String(v)) : undefined;
          if (p) return p;
        }
      }
      return undefined;
    };
    return {
      mutates: true,
      async start() {
        if (cfg.passthrough) return;
        const api = kubeApiFromEnv(cfg.auth_type);
        if (typeof api === 'string') {
          log.warn({ reason: api }, 'k8sattributes: no Kubernetes API; data passes without pod metadata');
          return;
        }
        cache = new PodCache(api, log, cfg.filter.namespace);
        cache.start();
        await cache.waitSynced(cfg.wait_for_metadata ? 10_000 : 2_000);
      },
      async shutdown() {
        cache?.stop();
      },
      consume(data, client) {
        for (const r of resourcesOf(data)) {
          if (cfg.passthrough) {
            if (client.address && !getAttr(r.attributes, 'k8s.pod.ip')) setAttr(r, 'k8s.pod.ip', toAnyValue(client.address));
            continue;
          }
          const p = find(r, client.address);
          if (p) decorateResource(r, p, cfg);
        }
        return next.consume(data, client);
      },
    };
  },
};

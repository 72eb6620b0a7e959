import type { Logger } from '../../../server/index.js';
import type { KubernetesSdConfig } from '../../promconfig/index.js';
import type { Discoverer, TargetGroup } from '../target-group.js';
import { IN_CLUSTER_DIR, resolveKubeConnection, type KubeConnection } from './client.js';
import { buildEndpointSliceGroup, buildEndpointsGroup, endpointSliceSource, endpointsSource, type KubeEndpointSlice, type KubeEndpoints, type KubeLookup } from './endpoints.js';
import { buildIngressGroup, ingressSource, type KubeIngress } from './ingress.js';
import { objectKey, type KubeObject } from './meta.js';
import { buildNodeGroup, nodeSource, type KubeNode } from './node.js';
import { buildPodGroup, podSource, type KubePod } from './pod.js';
import { buildServiceGroup, serviceSource, type KubeService } from './service.js';
import { RESOURCES, ResourceWatch, type ChangeType, type ResourceKind } from './watch.js';

export interface KubernetesSdHooks {
  logger?: Logger;
  /** Counts events by resource and kind (`add`, `update`, `delete`), as prometheus_sd_kubernetes_events_total. */
  onEvent?: (role: string, event: ChangeType) => void;
  onFailure?: () => void;
  env?: NodeJS.ProcessEnv;
  inClusterDir?: string;
  /** Delay before retrying after an error, ms (default 5000). */
  retryDelayMs?: number;
}

type Role = KubernetesSdConfig['role'];

/** The resources each role watches besides its own: endpoints need their services and pods. */
function resourcesOf(role: Role, attachNode: boolean): ResourceKind[] {
  const kinds: ResourceKind[] = [role];
  if (role === 'endpoints' || role === 'endpointslice') kinds.push('service', 'pod');
  if (attachNode && (role === 'pod' || role === 'endpoints' || role === 'endpointslice')) kinds.push('node');
  return kinds;
}

/**
 * `kubernetes_sd_configs` for every role (pod, node, service, endpoints, endpointslice, ingress): list + watch of
 * the role's resource (per configured namespace, or all) and of the resources its targets are enriched from, with
 * the role's `selectors` applied to each resource of that kind. Groups are sent once every store has been listed,
 * then for each change; a change to a service, pod or node re-sends the groups built from it.
 */
export class KubernetesDiscoverer implements Discoverer {
  private readonly abort = new AbortController();
  private onUpdate: ((g: TargetGroup[]) => void) | undefined;
  private conn: KubeConnection | undefined;
  private readonly stores = new Map<ResourceKind, Map<string, KubeObject>>();
  private pendingLists = 0;
  private readonly lookup: KubeLookup;

  constructor(
    private readonly cfg: KubernetesSdConfig,
    private readonly hooks: KubernetesSdHooks = {},
  ) {
    const get = <T>(kind: ResourceKind, key: string) => this.stores.get(kind)?.get(key) as T | undefined;
    this.lookup = {
      pod: (ns, name) => get<KubePod>('pod', `${ns}/${name}`),
      service: (ns, name) => get<KubeService>('service', `${ns}/${name}`),
      node: cfg.attach_metadata?.node ? (name) => get<KubeNode>('node', name) : undefined,
    };
  }

  start(onUpdate: (groups: TargetGroup[]) => void): void {
    this.onUpdate = onUpdate;
    try {
      this.conn = resolveKubeConnection(this.cfg, this.hooks.env ?? process.env, this.hooks.inClusterDir ?? IN_CLUSTER_DIR);
    } catch (e) {
      this.hooks.onFailure?.();
      this.hooks.logger?.error({ err: (e as Error).message }, 'kubernetes_sd: cannot create client');
      return;
    }
    const names = new Set(this.cfg.namespaces?.names ?? []);
    if (this.cfg.namespaces?.own_namespace && this.conn.ownNamespace) names.add(this.conn.ownNamespace);
    const namespaces = names.size === 0 ? [''] : [...names];
    const watches: ResourceWatch[] = [];
    for (const kind of resourcesOf(this.cfg.role, this.cfg.attach_metadata?.node === true)) {
      this.stores.set(kind, new Map());
      const sel = this.cfg.selectors.find((s) => s.role === kind);
      for (const ns of RESOURCES[kind].namespaced ? namespaces : ['']) {
        let listed = false;
        this.pendingLists++;
        watches.push(
          new ResourceWatch({
            conn: this.conn,
            kind,
            namespace: ns,
            labelSelector: sel?.label,
            fieldSelector: sel?.field,
            signal: this.abort.signal,
            logger: this.hooks.logger,
            retryDelayMs: this.hooks.retryDelayMs ?? 5000,
            onFailure: this.hooks.onFailure,
            onChange: (type, obj) => this.changed(kind, type, obj),
            onListed: () => {
              if (listed) return;
              listed = true;
              if (--this.pendingLists === 0) this.onUpdate?.(this.allGroups());
            },
          }),
        );
      }
    }
    for (const w of watches) void w.run();
  }

  stop(): void {
    this.abort.abort();
  }

  private changed(kind: ResourceKind, type: ChangeType, obj: KubeObject): void {
    this.hooks.onEvent?.(kind, type);
    const store = this.stores.get(kind)!;
    if (type === 'delete') store.delete(objectKey(obj));
    else store.set(objectKey(obj), obj);
    if (this.pendingLists > 0) return;
    if (kind !== this.cfg.role) {
      this.onUpdate?.(this.allGroups());
      return;
    }
    this.onUpdate?.([type === 'delete' ? { source: this.sourceOf(obj), targets: [], labels: {} } : this.build(obj)]);
  }

  private allGroups(): TargetGroup[] {
    return [...this.stores.get(this.cfg.role)!.values()].map((o) => this.build(o));
  }

  private sourceOf(obj: KubeObject): string {
    return ROLES[this.cfg.role].source(obj);
  }

  private build(obj: KubeObject): TargetGroup {
    return ROLES[this.cfg.role].build(obj, this.lookup);
  }
}

/** How each role names and builds the target group of one of its objects. */
const ROLES: Record<Role, { source: (o: KubeObject) => string; build: (o: KubeObject, lookup: KubeLookup) => TargetGroup }> = {
  pod: {
    source: (o) => podSource(o as KubePod),
    build: (o, lookup) => {
      const pod = o as KubePod;
      return buildPodGroup(pod, lookup.node && pod.spec?.nodeName ? lookup.node(pod.spec.nodeName) : undefined);
    },
  },
  node: { source: (o) => nodeSource(o as KubeNode), build: (o) => buildNodeGroup(o as KubeNode) },
  service: { source: (o) => serviceSource(o as KubeService), build: (o) => buildServiceGroup(o as KubeService) },
  endpoints: { source: (o) => endpointsSource(o as KubeEndpoints), build: (o, lookup) => buildEndpointsGroup(o as KubeEndpoints, lookup) },
  endpointslice: { source: (o) => endpointSliceSource(o as KubeEndpointSlice), build: (o, lookup) => buildEndpointSliceGroup(o as KubeEndpointSlice, lookup) },
  ingress: { source: (o) => ingressSource(o as KubeIngress), build: (o) => buildIngressGroup(o as KubeIngress) },
};

/** The former name, when only the pod role existed. */
export const KubernetesPodDiscoverer = KubernetesDiscoverer;

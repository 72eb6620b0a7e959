import { sanitizeLabelName, type TargetGroup } from '../target-group.js';
import { joinHostPort, type KubeObjectMeta } from './meta.js';
import { nodeMetadataLabels, type KubeNode } from './node.js';
import { podLabels, type KubePod } from './pod.js';
import { serviceLabels, type KubeService } from './service.js';

/** The objects endpoint targets are enriched from, as the informers' stores hold them. */
export interface KubeLookup {
  pod(namespace: string, name: string): KubePod | undefined;
  service(namespace: string, name: string): KubeService | undefined;
  /** Only set with `attach_metadata: {node: true}`. */
  node?: (name: string) => KubeNode | undefined;
}

interface TargetRef {
  kind?: string;
  name?: string;
  namespace?: string;
}

/** The parts of a v1 Endpoints object discovery reads. */
export interface KubeEndpoints {
  metadata: KubeObjectMeta;
  subsets?: {
    addresses?: KubeEndpointAddress[];
    notReadyAddresses?: KubeEndpointAddress[];
    ports?: { name?: string; port: number; protocol?: string }[];
  }[];
}

export interface KubeEndpointAddress {
  ip: string;
  hostname?: string;
  nodeName?: string;
  targetRef?: TargetRef;
}

/** The parts of a discovery.k8s.io/v1 EndpointSlice discovery reads. */
export interface KubeEndpointSlice {
  metadata: KubeObjectMeta;
  addressType?: string;
  endpoints?: {
    addresses: string[];
    conditions?: { ready?: boolean; serving?: boolean; terminating?: boolean };
    hostname?: string;
    nodeName?: string;
    targetRef?: TargetRef;
    deprecatedTopology?: Record<string, string>;
  }[];
  ports?: { name?: string; port?: number; protocol?: string; appProtocol?: string }[];
}

const E = '__meta_kubernetes_endpoint_';
const ES = '__meta_kubernetes_endpointslice_';
const PC = '__meta_kubernetes_pod_container_';

export const endpointsSource = (e: KubeEndpoints) => `endpoints/${e.metadata.namespace ?? ''}/${e.metadata.name}`;
export const endpointSliceSource = (e: KubeEndpointSlice) => `endpointslice/${e.metadata.namespace ?? ''}/${e.metadata.name}`;

/**
 * Adds pod metadata to endpoint targets and, afterwards, one target for every container port of those pods that no
 * endpoint port covered (so that sidecar metrics ports are found through a service), as Prometheus does.
 */
class PodAttacher {
  private readonly seen = new Map<string, { pod: KubePod; ports: Set<number> }>();

  constructor(
    private readonly lookup: KubeLookup,
    private readonly withImage: boolean,
  ) {}

  /** Pod labels for `target` if `ref` is a known pod; false when the target is not pod-backed. */
  attach(target: Record<string, string>, ref: TargetRef | undefined, port: number | undefined, protocolFromEndpoint: string | undefined): boolean {
    if (!ref || ref.kind !== 'Pod' || !ref.name) return false;
    const pod = this.lookup.pod(ref.namespace ?? '', ref.name);
    if (!pod) return false;
    const key = `${pod.metadata.namespace ?? ''}/${pod.metadata.name}`;
    let entry = this.seen.get(key);
    if (!entry) this.seen.set(key, (entry = { pod, ports: new Set() }));
    Object.assign(target, podLabels(pod));
    if (port !== undefined) {
      entry.ports.add(port);
      outer: for (const c of pod.spec?.containers ?? []) {
        for (const cp of c.ports ?? []) {
          if (cp.containerPort !== port) continue;
          target[`${PC}name`] = c.name;
          if (this.withImage) target[`${PC}image`] = c.image ?? '';
          target[`${PC}port_name`] = cp.name ?? '';
          target[`${PC}port_number`] = String(port);
          target[`${PC}port_protocol`] = protocolFromEndpoint ?? cp.protocol ?? '';
          break outer;
        }
      }
    }
    return true;
  }

  extraTargets(skipWithoutIp: boolean): Record<string, string>[] {
    const out: Record<string, string>[] = [];
    for (const { pod, ports } of this.seen.values()) {
      const ip = pod.status?.podIP ?? '';
      if (skipWithoutIp && ip === '') continue;
      for (const c of pod.spec?.containers ?? []) {
        for (const cp of c.ports ?? []) {
          if (ports.has(cp.containerPort)) continue;
          out.push({
            ...podLabels(pod),
            __address__: joinHostPort(ip, cp.containerPort),
            [`${PC}name`]: c.name,
            ...(this.withImage ? { [`${PC}image`]: c.image ?? '' } : {}),
            [`${PC}port_name`]: cp.name ?? '',
            [`${PC}port_number`]: String(cp.containerPort),
            [`${PC}port_protocol`]: cp.protocol ?? '',
          });
        }
      }
    }
    return out;
  }
}

function withNode(target: Record<string, string>, lookup: KubeLookup, nodeName: string | undefined): void {
  if (!lookup.node || !nodeName) return;
  const node = lookup.node(nodeName);
  if (node) Object.assign(target, nodeMetadataLabels(node));
}

/**
 * An Endpoints object as the endpoints role presents it: one target per address and port (not-ready addresses
 * with `ready="false"`), service labels on the group when the service exists, pod labels on pod-backed targets.
 */
export function buildEndpointsGroup(eps: KubeEndpoints, lookup: KubeLookup): TargetGroup {
  const ns = eps.metadata.namespace ?? '';
  const labels: Record<string, string> = { __meta_kubernetes_namespace: ns, __meta_kubernetes_endpoints_name: eps.metadata.name };
  const svc = lookup.service(ns, eps.metadata.name);
  if (svc) Object.assign(labels, serviceLabels(svc));
  for (const [k, v] of Object.entries(eps.metadata.labels ?? {})) {
    const n = sanitizeLabelName(k);
    labels[`__meta_kubernetes_endpoints_label_${n}`] = v;
    labels[`__meta_kubernetes_endpoints_labelpresent_${n}`] = 'true';
  }
  const group: TargetGroup = { source: endpointsSource(eps), targets: [], labels };
  const pods = new PodAttacher(lookup, false);
  for (const ss of eps.subsets ?? []) {
    for (const port of ss.ports ?? []) {
      const add = (addr: KubeEndpointAddress, ready: string) => {
        const t: Record<string, string> = {
          __address__: joinHostPort(addr.ip, port.port),
          [`${E}port_name`]: port.name ?? '',
          [`${E}port_protocol`]: port.protocol ?? '',
          [`${E}ready`]: ready,
        };
        if (addr.targetRef) {
          t[`${E}address_target_kind`] = addr.targetRef.kind ?? '';
          t[`${E}address_target_name`] = addr.targetRef.name ?? '';
        }
        if (addr.nodeName !== undefined) t[`${E}node_name`] = addr.nodeName;
        if (addr.hostname) t[`${E}hostname`] = addr.hostname;
        withNode(t, lookup, addr.nodeName);
        pods.attach(t, addr.targetRef, port.port, port.protocol);
        group.targets.push(t);
      };
      for (const a of ss.addresses ?? []) add(a, 'true');
      for (const a of ss.notReadyAddresses ?? []) add(a, 'false');
    }
  }
  group.targets.push(...pods.extraTargets(false));
  return group;
}

/**
 * An EndpointSlice as the endpointslice role presents it: one target per endpoint address and port with the
 * endpoint's conditions, hostname, target reference and topology; service labels from the slice's
 * `kubernetes.io/service-name` label; pod labels on pod-backed targets.
 */
export function buildEndpointSliceGroup(slice: KubeEndpointSlice, lookup: KubeLookup): TargetGroup {
  const ns = slice.metadata.namespace ?? '';
  const labels: Record<string, string> = { __meta_kubernetes_namespace: ns, [`${ES}name`]: slice.metadata.name, [`${ES}address_type`]: slice.addressType ?? '' };
  const svcName = slice.metadata.labels?.['kubernetes.io/service-name'];
  const svc = svcName === undefined ? undefined : lookup.service(ns, svcName);
  if (svc) Object.assign(labels, serviceLabels(svc));
  const group: TargetGroup = { source: endpointSliceSource(slice), targets: [], labels };
  const pods = new PodAttacher(lookup, true);
  for (const ep of slice.endpoints ?? []) {
    for (const port of slice.ports ?? []) {
      for (const addr of ep.addresses) {
        const t: Record<string, string> = { __address__: port.port !== undefined ? joinHostPort(addr, port.port) : addr };
        if (port.name !== undefined) t[`${ES}port_name`] = port.name;
        if (port.protocol !== undefined) t[`${ES}port_protocol`] = port.protocol;
        if (port.port !== undefined) t[`${ES}port`] = String(port.port);
        if (port.appProtocol !== undefined) t[`${ES}port_app_protocol`] = port.appProtocol;
        const c = ep.conditions ?? {};
        if (c.ready !== undefined) t[`${ES}endpoint_conditions_ready`] = String(c.ready);
        if (c.serving !== undefined) t[`${ES}endpoint_conditions_serving`] = String(c.serving);
        if (c.terminating !== undefined) t[`${ES}endpoint_conditions_terminating`] = String(c.terminating);
        if (ep.hostname !== undefined) t[`${ES}endpoint_hostname`] = ep.hostname;
        if (ep.targetRef) {
          t[`${ES}address_target_kind`] = ep.targetRef.kind ?? '';
          t[`${ES}address_target_name`] = ep.targetRef.name ?? '';
        }
        for (const [k, v] of Object.entries(ep.deprecatedTopology ?? {})) {
          const n = sanitizeLabelName(k);
          t[`${ES}endpoint_topology_${n}`] = v;
          t[`${ES}endpoint_topology_present_${n}`] = 'true';
        }
        withNode(t, lookup, ep.targetRef?.kind === 'Node' ? ep.targetRef.name : ep.nodeName);
        pods.attach(t, ep.targetRef, port.port, undefined);
        group.targets.push(t);
      }
    }
  }
  group.targets.push(...pods.extraTargets(true));
  return group;
}

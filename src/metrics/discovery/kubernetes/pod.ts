import type { TargetGroup } from '../target-group.js';
import { addObjectMetaLabels, joinHostPort, type KubeObjectMeta } from './meta.js';
import { nodeMetadataLabels, type KubeNode } from './node.js';

/** The parts of a Kubernetes v1 Pod that discovery reads. */
export interface KubePod {
  metadata: KubeObjectMeta;
  spec?: {
    nodeName?: string;
    containers?: KubeContainer[];
    initContainers?: KubeContainer[];
  };
  status?: {
    phase?: string;
    podIP?: string;
    hostIP?: string;
    conditions?: { type: string; status: string }[];
    containerStatuses?: { name: string; containerID?: string }[];
    initContainerStatuses?: { name: string; containerID?: string }[];
  };
}

export interface KubeContainer {
  name: string;
  image?: string;
  ports?: { name?: string; containerPort: number; protocol?: string }[];
}

const P = '__meta_kubernetes_pod_';

export function podSource(pod: KubePod): string {
  return `pod/${pod.metadata.namespace ?? ''}/${pod.metadata.name}`;
}

function podReady(pod: KubePod): string {
  for (const c of pod.status?.conditions ?? []) if (c.type === 'Ready') return c.status.toLowerCase();
  return 'unknown';
}

/** The labels describing a pod, shared by the pod role and the pods behind endpoints and endpoint slices. */
export function podLabels(pod: KubePod): Record<string, string> {
  const l: Record<string, string> = {};
  l[`${P}name`] = pod.metadata.name;
  l[`${P}ip`] = pod.status?.podIP ?? '';
  l[`${P}ready`] = podReady(pod);
  l[`${P}phase`] = pod.status?.phase ?? '';
  l[`${P}node_name`] = pod.spec?.nodeName ?? '';
  l[`${P}host_ip`] = pod.status?.hostIP ?? '';
  l[`${P}uid`] = pod.metadata.uid ?? '';
  addObjectMetaLabels(l, pod.metadata, P);
  const owner = (pod.metadata.ownerReferences ?? []).find((o) => o.controller === true);
  if (owner) {
    if (owner.kind) l[`${P}controller_kind`] = owner.kind;
    if (owner.name) l[`${P}controller_name`] = owner.name;
  }
  return l;
}

/**
 * A pod as Prometheus's pod role presents it: group labels describe the pod, one target per container port
 * (`__address__` = podIP:port), or one per container without ports (`__address__` = podIP). A pod without an IP yet
 * yields an empty group. With `attach_metadata.node`, the labels of the pod's node are added (`node` given).
 */
export function buildPodGroup(pod: KubePod, node?: KubeNode): TargetGroup {
  const group: TargetGroup = { source: podSource(pod), targets: [], labels: {} };
  const ip = pod.status?.podIP ?? '';
  if (ip === '') return group;
  group.labels = { __meta_kubernetes_namespace: pod.metadata.namespace ?? '', ...podLabels(pod), ...(node ? nodeMetadataLabels(node) : {}) };
  const containers = pod.spec?.containers ?? [];
  const all = [...containers, ...(pod.spec?.initContainers ?? [])];
  all.forEach((c, i) => {
    const isInit = i >= containers.length;
    const statuses = (isInit ? pod.status?.initContainerStatuses : pod.status?.containerStatuses) ?? [];
    const cid = statuses.find((s) => s.name === c.name)?.containerID ?? '';
    const common = {
      [`${P}container_name`]: c.name,
      [`${P}container_id`]: cid,
      [`${P}container_image`]: c.image ?? '',
      [`${P}container_init`]: String(isInit),
    };
    if (!c.ports || c.ports.length === 0) {
      group.targets.push({ __address__: ip, ...common });
      return;
    }
    for (const p of c.ports) {
      const port = String(p.containerPort);
      group.targets.push({
        __address__: joinHostPort(ip, port),
        ...common,
        [`${P}container_port_number`]: port,
        [`${P}container_port_name`]: p.name ?? '',
        [`${P}container_port_protocol`]: p.protocol ?? '',
      });
    }
  });
  return group;
}

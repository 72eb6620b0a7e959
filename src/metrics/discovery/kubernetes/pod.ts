import { sanitizeLabelName, type TargetGroup } from '../target-group.js';

/** The parts of a Kubernetes v1 Pod that discovery reads. */
export interface KubePod {
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: { kind?: string; name?: string; controller?: boolean }[];
    resourceVersion?: string;
  };
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

function joinHostPort(host: string, port: string): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * A pod as Prometheus's pod role presents it: group labels describe the pod, one target per container port
 * (`__address__` = podIP:port), or one per container without ports (`__address__` = podIP). A pod without an IP yet
 * yields an empty group.
 */
export function buildPodGroup(pod: KubePod): TargetGroup {
  const group: TargetGroup = { source: podSource(pod), targets: [], labels: {} };
  const ip = pod.status?.podIP ?? '';
  if (ip === '') return group;
  const l = group.labels;
  l.__meta_kubernetes_namespace = pod.metadata.namespace ?? '';
  l[`${P}name`] = pod.metadata.name;
  l[`${P}ip`] = ip;
  l[`${P}ready`] = podReady(pod);
  l[`${P}phase`] = pod.status?.phase ?? '';
  l[`${P}node_name`] = pod.spec?.nodeName ?? '';
  l[`${P}host_ip`] = pod.status?.hostIP ?? '';
  l[`${P}uid`] = pod.metadata.uid ?? '';
  for (const [k, v] of Object.entries(pod.metadata.labels ?? {})) {
    const n = sanitizeLabelName(k);
    l[`${P}label_${n}`] = v;
    l[`${P}labelpresent_${n}`] = 'true';
  }
  for (const [k, v] of Object.entries(pod.metadata.annotations ?? {})) {
    const n = sanitizeLabelName(k);
    l[`${P}annotation_${n}`] = v;
    l[`${P}annotationpresent_${n}`] = 'true';
  }
  const owner = (pod.metadata.ownerReferences ?? []).find((o) => o.controller === true);
  if (owner) {
    if (owner.kind) l[`${P}controller_kind`] = owner.kind;
    if (owner.name) l[`${P}controller_name`] = owner.name;
  }
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

import { sanitizeLabelName, type TargetGroup } from '../target-group.js';
import { addObjectMetaLabels, joinHostPort, type KubeObjectMeta } from './meta.js';

/** The parts of a Kubernetes v1 Node that discovery reads. */
export interface KubeNode {
  metadata: KubeObjectMeta;
  spec?: { providerID?: string };
  status?: {
    addresses?: { type: string; address: string }[];
    daemonEndpoints?: { kubeletEndpoint?: { Port?: number } };
  };
}

const N = '__meta_kubernetes_node_';

export function nodeSource(node: KubeNode): string {
  return `node/${node.metadata.name}`;
}

/** Address priority of the node role (as kubectl): InternalIP, ExternalIP, LegacyHostIP, Hostname. */
const ADDRESS_PRIORITY = ['InternalIP', 'ExternalIP', 'LegacyHostIP', 'Hostname'];

/**
 * A node as the node role presents it: one target at `<first address by priority>:<kubelet port>`, `instance` set to
 * the node name, and the first address of each type as `__meta_kubernetes_node_address_<type>`. A node without
 * any usable address yields an empty group.
 */
export function buildNodeGroup(node: KubeNode): TargetGroup {
  const group: TargetGroup = { source: nodeSource(node), targets: [], labels: {} };
  const byType = new Map<string, string>();
  for (const a of node.status?.addresses ?? []) if (!byType.has(a.type)) byType.set(a.type, a.address);
  const host = ADDRESS_PRIORITY.map((t) => byType.get(t)).find((a) => a !== undefined);
  if (host === undefined) return group;
  group.labels[`${N}name`] = node.metadata.name;
  group.labels[`${N}provider_id`] = node.spec?.providerID ?? '';
  addObjectMetaLabels(group.labels, node.metadata, N);
  const port = node.status?.daemonEndpoints?.kubeletEndpoint?.Port ?? 0;
  const t: Record<string, string> = { __address__: joinHostPort(host, port), instance: node.metadata.name };
  for (const [type, addr] of byType) t[`${N}address_${sanitizeLabelName(type)}`] = addr;
  group.targets.push(t);
  return group;
}

/** What `attach_metadata: {node: true}` adds to pod and endpoint targets: the node's name and labels. */
export function nodeMetadataLabels(node: KubeNode): Record<string, string> {
  const l: Record<string, string> = { [`${N}name`]: node.metadata.name };
  addObjectMetaLabels(l, { name: node.metadata.name, labels: node.metadata.labels }, N);
  return l;
}

import { sanitizeLabelName } from '../target-group.js';

/** The ObjectMeta fields discovery reads. */
export interface KubeObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: { kind?: string; name?: string; controller?: boolean }[];
  resourceVersion?: string;
}

export interface KubeObject {
  metadata: KubeObjectMeta;
}

export const META = '__meta_kubernetes_';

/** `<prefix>label_<name>`, `<prefix>labelpresent_<name>` and the same for annotations, names sanitised. */
export function addObjectMetaLabels(out: Record<string, string>, meta: KubeObjectMeta, prefix: string): void {
  for (const [k, v] of Object.entries(meta.labels ?? {})) {
    const n = sanitizeLabelName(k);
    out[`${prefix}label_${n}`] = v;
    out[`${prefix}labelpresent_${n}`] = 'true';
  }
  for (const [k, v] of Object.entries(meta.annotations ?? {})) {
    const n = sanitizeLabelName(k);
    out[`${prefix}annotation_${n}`] = v;
    out[`${prefix}annotationpresent_${n}`] = 'true';
  }
}

/** Go's net.JoinHostPort: IPv6 hosts in brackets. */
export function joinHostPort(host: string, port: string | number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** `namespace/name` (or `name` for cluster-scoped objects), the key objects are stored under. */
export function objectKey(o: KubeObject): string {
  return o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : o.metadata.name;
}

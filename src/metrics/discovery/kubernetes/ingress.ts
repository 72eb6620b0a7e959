import type { TargetGroup } from '../target-group.js';
import { addObjectMetaLabels, type KubeObjectMeta } from './meta.js';

/** The parts of a networking.k8s.io/v1 Ingress that discovery reads. */
export interface KubeIngress {
  metadata: KubeObjectMeta;
  spec?: {
    ingressClassName?: string;
    tls?: { hosts?: string[] }[];
    rules?: { host?: string; http?: { paths?: { path?: string }[] } }[];
  };
}

const I = '__meta_kubernetes_ingress_';

export function ingressSource(ing: KubeIngress): string {
  return `ingress/${ing.metadata.namespace ?? ''}/${ing.metadata.name}`;
}

/** A TLS host entry covers a rule's host exactly, or by a leading `*.` wildcard for one DNS label. */
function hostMatches(pattern: string, host: string): boolean {
  if (pattern === host) return true;
  if (!pattern.startsWith('*.')) return false;
  const dot = host.indexOf('.');
  return dot > 0 && host.slice(dot) === pattern.slice(1);
}

/**
 * An ingress as the ingress role presents it: one target per rule and path, `__address__` = the rule's host,
 * scheme `https` when a TLS entry covers the host, path `/` when the rule lists none.
 */
export function buildIngressGroup(ing: KubeIngress): TargetGroup {
  const labels: Record<string, string> = { __meta_kubernetes_namespace: ing.metadata.namespace ?? '', [`${I}name`]: ing.metadata.name };
  if (ing.spec?.ingressClassName !== undefined) labels[`${I}class_name`] = ing.spec.ingressClassName;
  addObjectMetaLabels(labels, ing.metadata, I);
  const group: TargetGroup = { source: ingressSource(ing), targets: [], labels };
  const tlsHosts = (ing.spec?.tls ?? []).flatMap((t) => t.hosts ?? []);
  for (const rule of ing.spec?.rules ?? []) {
    const host = rule.host ?? '';
    const scheme = tlsHosts.some((p) => hostMatches(p, host)) ? 'https' : 'http';
    const paths = rule.http?.paths ? rule.http.paths.map((p) => (p.path ? p.path : '/')) : ['/'];
    for (const path of paths) group.targets.push({ __address__: host, [`${I}scheme`]: scheme, [`${I}path`]: path });
  }
  return group;
}

import type { TargetGroup } from '../target-group.js';
import { addObjectMetaLabels, joinHostPort, type KubeObjectMeta } from './meta.js';

/** The parts of a Kubernetes v1 Service that discovery reads. */
export interface KubeService {
  metadata: KubeObjectMeta;
  spec?: {
    type?: string;
    clusterIP?: string;
    externalName?: string;
    loadBalancerIP?: string;
    ports?: { name?: string; port: number; protocol?: string }[];
  };
}

const S = '__meta_kubernetes_service_';

export function serviceSource(svc: KubeService): string {
  return `svc/${svc.metadata.namespace ?? ''}/${svc.metadata.name}`;
}

/** The labels describing a service, shared by the service role and the endpoints/endpointslice roles. */
export function serviceLabels(svc: KubeService): Record<string, string> {
  const l: Record<string, string> = { __meta_kubernetes_namespace: svc.metadata.namespace ?? '', [`${S}name`]: svc.metadata.name };
  addObjectMetaLabels(l, svc.metadata, S);
  return l;
}

/** A service as the service role presents it: one target per service port at `<name>.<namespace>.svc:<port>`. */
export function buildServiceGroup(svc: KubeService): TargetGroup {
  const group: TargetGroup = { source: serviceSource(svc), targets: [], labels: serviceLabels(svc) };
  const type = svc.spec?.type ?? '';
  for (const p of svc.spec?.ports ?? []) {
    const t: Record<string, string> = {
      __address__: joinHostPort(`${svc.metadata.name}.${svc.metadata.namespace ?? ''}.svc`, p.port),
      [`${S}port_name`]: p.name ?? '',
      [`${S}port_number`]: String(p.port),
      [`${S}port_protocol`]: p.protocol ?? '',
      [`${S}type`]: type,
    };
    if (type === 'ExternalName') t[`${S}external_name`] = svc.spec?.externalName ?? '';
    else t[`${S}cluster_ip`] = svc.spec?.clusterIP ?? '';
    if (type === 'LoadBalancer') t[`${S}loadbalancer_ip`] = svc.spec?.loadBalancerIP ?? '';
    group.targets.push(t);
  }
  return group;
}

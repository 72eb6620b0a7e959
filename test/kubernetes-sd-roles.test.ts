import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { KubernetesDiscoverer, type TargetGroup } from '../src/metrics/discovery/index.js';
import { kubernetesSdConfigSchema } from '../src/metrics/promconfig/index.js';
import { startFakeKubeApi, type FakeKubeApi, type RecordedList } from './helpers/kube-api.js';
import { tempDir, waitFor } from './helpers/process.js';

/**
 * Every Kubernetes role against a loopback API server serving recorded lists and watch events; the label sets are
 * those Prometheus 2.42 documents for each role.
 */

const FX = join(import.meta.dirname, 'fixtures/kubernetes');
const CLUSTER = JSON.parse(readFileSync(join(FX, 'cluster.json'), 'utf8')) as Record<string, RecordedList>;
const LISTS: Record<string, RecordedList> = { ...CLUSTER, pods: JSON.parse(readFileSync(join(FX, 'pods.json'), 'utf8')) as RecordedList };
const item = (plural: string, name: string) => structuredClone(LISTS[plural].items.find((o) => (o.metadata as { name: string }).name === name)!) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

interface Run {
  api: FakeKubeApi;
  groups: Map<string, TargetGroup>;
  d: KubernetesDiscoverer;
}

const WEB_POD = 'web-7d9f8b6c5-x2x9q';
/** node-a's name and labels: node role group labels, and what attach_metadata.node adds. */
const NODE_A = {
  __meta_kubernetes_node_name: 'node-a',
  __meta_kubernetes_node_label_kubernetes_io_hostname: 'node-a',
  __meta_kubernetes_node_labelpresent_kubernetes_io_hostname: 'true',
  __meta_kubernetes_node_label_node_role_kubernetes_io_worker: '',
  __meta_kubernetes_node_labelpresent_node_role_kubernetes_io_worker: 'true',
  __meta_kubernetes_node_label_topology_kubernetes_io_zone: 'eu-west-1a',
  __meta_kubernetes_node_labelpresent_topology_kubernetes_io_zone: 'true',
};

describe('kubernetes_sd_configs roles against a loopback API server', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.reverse()) await c();
    cleanups.length = 0;
  });

  async function discover(sd: Record<string, unknown>, ready: (g: Map<string, TargetGroup>) => boolean): Promise<Run> {
    const api = await startFakeKubeApi(LISTS, 'tok');
    cleanups.push(() => api.close());
    const d = new KubernetesDiscoverer(kubernetesSdConfigSchema.parse({ api_server: `http://${api.address}`, bearer_token: 'tok', ...sd }), { retryDelayMs: 100 });
    cleanups.push(() => d.stop());
    const groups = new Map<string, TargetGroup>();
    d.start((gs) => {
      for (const g of gs) {
        if (g.targets.length === 0) groups.delete(g.source);
        else groups.set(g.source, g);
      }
    });
    await waitFor(() => ready(groups), 5000, `${String(sd.role)} groups`);
    return { api, groups, d };
  }

  /** A target's labels other than the pod's own (pod container labels stay). */
  const withoutPodLabels = (t: Record<string, string>) => Object.fromEntries(Object.entries(t).filter(([k]) => !k.startsWith('__meta_kubernetes_pod_') || k.startsWith('__meta_kubernetes_pod_container_')));
  /** The targets of a group by address, after checking which addresses there are. */
  const targetsAt = (g: TargetGroup | undefined, addresses: string[]) => {
    const t = byAddress(g);
    expect(Object.keys(t).sort()).toEqual(addresses);
    return t;
  };
  const byAddress = (g: TargetGroup | undefined) => Object.fromEntries((g?.targets ?? []).map((t) => [t.__address__, t]));

  it('node: InternalIP and the kubelet port, instance = node name, addresses by type; follows the watch', async () => {
    const { api, groups } = await discover({ role: 'node', selectors: [{ role: 'node', label: 'kubernetes.io/hostname' }] }, (g) => g.size === 2);
    expect(groups.get('node/node-a')).toEqual({
      source: 'node/node-a',
      labels: {
        ...NODE_A,
        __meta_kubernetes_node_provider_id: 'aws:///eu-west-1a/i-0a1b2c3d',
        __meta_kubernetes_node_annotation_node_alpha_kubernetes_io_ttl: '0',
        __meta_kubernetes_node_annotationpresent_node_alpha_kubernetes_io_ttl: 'true',
      },
      targets: [
        {
          __address__: '192.168.1.10:10250',
          instance: 'node-a',
          __meta_kubernetes_node_address_InternalIP: '192.168.1.10',
          __meta_kubernetes_node_address_ExternalIP: '203.0.113.10',
          __meta_kubernetes_node_address_Hostname: 'node-a',
        },
      ],
    });
    // Without InternalIP/ExternalIP the Hostname address is used.
    expect(groups.get('node/node-b')!.targets).toEqual([{ __address__: 'node-b.internal:10250', instance: 'node-b', __meta_kubernetes_node_address_Hostname: 'node-b.internal' }]);
    expect(api.requests[0].path).toBe('/api/v1/nodes?labelSelector=kubernetes.io%2Fhostname&limit=500');

    await waitFor(() => api.requests.some((r) => r.path.includes('watch=1')), 5000, 'watch');
    const nodeB = item('nodes', 'node-b');
    nodeB.status.addresses.unshift({ type: 'InternalIP', address: '192.168.1.11' });
    nodeB.metadata.resourceVersion = '200200';
    api.push('nodes', { type: 'MODIFIED', object: nodeB });
    api.push('nodes', { type: 'DELETED', object: item('nodes', 'node-a') });
    await waitFor(() => groups.size === 1 && groups.get('node/node-b')?.targets[0].__address__ === '192.168.1.11:10250', 5000, 'node watch applied');
  });

  it('service: one target per port at <name>.<namespace>.svc, with type-specific labels', async () => {
    const { groups } = await discover({ role: 'service' }, (g) => g.size === 3);
    expect(groups.get('svc/shop/web')).toEqual({
      source: 'svc/shop/web',
      labels: {
        __meta_kubernetes_namespace: 'shop',
        __meta_kubernetes_service_name: 'web',
        __meta_kubernetes_service_label_app: 'web',
        __meta_kubernetes_service_labelpresent_app: 'true',
        __meta_kubernetes_service_annotation_prometheus_io_probe: 'true',
        __meta_kubernetes_service_annotationpresent_prometheus_io_probe: 'true',
      },
      targets: [
        {
          __address__: 'web.shop.svc:80',
          __meta_kubernetes_service_port_name: 'http',
          __meta_kubernetes_service_port_number: '80',
          __meta_kubernetes_service_port_protocol: 'TCP',
          __meta_kubernetes_service_type: 'ClusterIP',
          __meta_kubernetes_service_cluster_ip: '10.96.0.50',
        },
      ],
    });
    expect(byAddress(groups.get('svc/shop/edge'))['edge.shop.svc:53']).toEqual({
      __address__: 'edge.shop.svc:53',
      __meta_kubernetes_service_port_name: 'dns',
      __meta_kubernetes_service_port_number: '53',
      __meta_kubernetes_service_port_protocol: 'UDP',
      __meta_kubernetes_service_type: 'LoadBalancer',
      __meta_kubernetes_service_cluster_ip: '10.96.0.51',
      __meta_kubernetes_service_loadbalancer_ip: '198.51.100.7',
    });
    expect(groups.get('svc/batch/billing')!.targets).toEqual([
      {
        __address__: 'billing.batch.svc:443',
        __meta_kubernetes_service_port_name: '',
        __meta_kubernetes_service_port_number: '443',
        __meta_kubernetes_service_port_protocol: 'TCP',
        __meta_kubernetes_service_type: 'ExternalName',
        __meta_kubernetes_service_external_name: 'billing.example.com',
      },
    ]);
  });

  it('endpoints: targets per address and port with service and pod metadata, node metadata attached, extra pod ports; a service change re-sends', async () => {
    const { api, groups } = await discover({ role: 'endpoints', namespaces: { names: ['shop'] }, attach_metadata: { node: true } }, (g) => g.size === 2);
    const web = groups.get('endpoints/shop/web')!;
    expect(web.labels).toEqual({
      __meta_kubernetes_namespace: 'shop',
      __meta_kubernetes_endpoints_name: 'web',
      __meta_kubernetes_endpoints_label_app: 'web',
      __meta_kubernetes_endpoints_labelpresent_app: 'true',
      __meta_kubernetes_service_name: 'web',
      __meta_kubernetes_service_label_app: 'web',
      __meta_kubernetes_service_labelpresent_app: 'true',
      __meta_kubernetes_service_annotation_prometheus_io_probe: 'true',
      __meta_kubernetes_service_annotationpresent_prometheus_io_probe: 'true',
    });
    const t = targetsAt(web, ['10.244.1.15:15090', '10.244.1.15:8080', '10.244.1.15:9000', '10.244.9.9:8080']);
    const main = t['10.244.1.15:8080'];
    expect(withoutPodLabels(main)).toEqual({
      __address__: '10.244.1.15:8080',
      __meta_kubernetes_endpoint_port_name: 'http',
      __meta_kubernetes_endpoint_port_protocol: 'TCP',
      __meta_kubernetes_endpoint_ready: 'true',
      __meta_kubernetes_endpoint_address_target_kind: 'Pod',
      __meta_kubernetes_endpoint_address_target_name: WEB_POD,
      __meta_kubernetes_endpoint_node_name: 'node-a',
      ...NODE_A,
      __meta_kubernetes_pod_container_name: 'web',
      __meta_kubernetes_pod_container_port_name: 'http',
      __meta_kubernetes_pod_container_port_number: '8080',
      __meta_kubernetes_pod_container_port_protocol: 'TCP',
    });
    expect(main).toMatchObject({
      __meta_kubernetes_pod_name: WEB_POD,
      __meta_kubernetes_pod_ip: '10.244.1.15',
      __meta_kubernetes_pod_ready: 'true',
      __meta_kubernetes_pod_phase: 'Running',
      __meta_kubernetes_pod_node_name: 'node-a',
      __meta_kubernetes_pod_host_ip: '192.168.1.10',
      __meta_kubernetes_pod_uid: '0b4e6f1c-3a8d-4c52-9d6e-1f2a3b4c5d6e',
      __meta_kubernetes_pod_label_app: 'web',
      __meta_kubernetes_pod_labelpresent_app: 'true',
      __meta_kubernetes_pod_annotation_prometheus_io_port: '8080',
      __meta_kubernetes_pod_controller_kind: 'ReplicaSet',
      __meta_kubernetes_pod_controller_name: 'web-7d9f8b6c5',
    });
    // Not ready, and its pod is unknown: endpoint labels only.
    expect(t['10.244.9.9:8080']).toEqual({
      __address__: '10.244.9.9:8080',
      __meta_kubernetes_endpoint_port_name: 'http',
      __meta_kubernetes_endpoint_port_protocol: 'TCP',
      __meta_kubernetes_endpoint_ready: 'false',
      __meta_kubernetes_endpoint_hostname: 'spare',
      __meta_kubernetes_endpoint_address_target_kind: 'Pod',
      __meta_kubernetes_endpoint_address_target_name: 'gone-pod',
    });
    // The sidecar port no endpoint covers becomes a target with the pod's labels.
    expect(t['10.244.1.15:15090']).toMatchObject({ __meta_kubernetes_pod_container_name: 'istio-proxy', __meta_kubernetes_pod_container_port_name: 'http-envoy-prom', __meta_kubernetes_pod_name: WEB_POD });
    expect(t['10.244.1.15:15090'].__meta_kubernetes_endpoint_ready).toBeUndefined();
    expect(groups.get('endpoints/shop/external-db')!.labels.__meta_kubernetes_service_name).toBeUndefined();
    expect(api.requests.filter((r) => !r.path.includes('watch')).map((r) => r.path.split('?')[0]).sort()).toEqual([
      '/api/v1/namespaces/shop/endpoints',
      '/api/v1/namespaces/shop/pods',
      '/api/v1/namespaces/shop/services',
      '/api/v1/nodes',
    ]);

    await waitFor(() => api.requests.filter((r) => r.path.includes('watch=1')).length === 4, 5000, 'four watches');
    const svc = item('services', 'web');
    svc.metadata.labels.tier = 'frontend';
    api.push('services', { type: 'MODIFIED', object: svc });
    await waitFor(() => groups.get('endpoints/shop/web')?.labels.__meta_kubernetes_service_label_tier === 'frontend', 5000, 'service change applied to endpoints');
  });

  it('endpointslice: conditions, topology, app protocol, service and pod metadata', async () => {
    const { groups } = await discover({ role: 'endpointslice' }, (g) => g.size === 1);
    const g = groups.get('endpointslice/shop/web-abc12')!;
    expect(g.labels).toMatchObject({
      __meta_kubernetes_namespace: 'shop',
      __meta_kubernetes_endpointslice_name: 'web-abc12',
      __meta_kubernetes_endpointslice_address_type: 'IPv4',
      __meta_kubernetes_service_name: 'web',
    });
    const t = targetsAt(g, ['10.244.1.15:15090', '10.244.1.15:8080', '10.244.1.15:9000', '10.244.7.7:8080']);
    expect(withoutPodLabels(t['10.244.1.15:8080'])).toEqual({
      __address__: '10.244.1.15:8080',
      __meta_kubernetes_endpointslice_port: '8080',
      __meta_kubernetes_endpointslice_port_name: 'http',
      __meta_kubernetes_endpointslice_port_protocol: 'TCP',
      __meta_kubernetes_endpointslice_port_app_protocol: 'http',
      __meta_kubernetes_endpointslice_endpoint_conditions_ready: 'true',
      __meta_kubernetes_endpointslice_endpoint_conditions_serving: 'true',
      __meta_kubernetes_endpointslice_endpoint_conditions_terminating: 'false',
      __meta_kubernetes_endpointslice_address_target_kind: 'Pod',
      __meta_kubernetes_endpointslice_address_target_name: WEB_POD,
      __meta_kubernetes_endpointslice_endpoint_topology_kubernetes_io_hostname: 'node-a',
      __meta_kubernetes_endpointslice_endpoint_topology_present_kubernetes_io_hostname: 'true',
      __meta_kubernetes_pod_container_name: 'web',
      __meta_kubernetes_pod_container_image: 'registry.example.com/shop/web:1.4.2',
      __meta_kubernetes_pod_container_port_name: 'http',
      __meta_kubernetes_pod_container_port_number: '8080',
      __meta_kubernetes_pod_container_port_protocol: 'TCP',
    });
    expect(t['10.244.1.15:8080'].__meta_kubernetes_pod_name).toBe(WEB_POD);
    expect(t['10.244.7.7:8080']).toEqual({
      __address__: '10.244.7.7:8080',
      __meta_kubernetes_endpointslice_port: '8080',
      __meta_kubernetes_endpointslice_port_name: 'http',
      __meta_kubernetes_endpointslice_port_protocol: 'TCP',
      __meta_kubernetes_endpointslice_port_app_protocol: 'http',
      __meta_kubernetes_endpointslice_endpoint_conditions_ready: 'false',
      __meta_kubernetes_endpointslice_endpoint_hostname: 'standby',
    });
  });

  it('ingress: a target per rule and path, https where a TLS host pattern covers the host', async () => {
    const { api, groups } = await discover({ role: 'ingress' }, (g) => g.size === 1);
    expect(groups.get('ingress/shop/shop')).toEqual({
      source: 'ingress/shop/shop',
      labels: {
        __meta_kubernetes_namespace: 'shop',
        __meta_kubernetes_ingress_name: 'shop',
        __meta_kubernetes_ingress_class_name: 'nginx',
        __meta_kubernetes_ingress_label_app: 'web',
        __meta_kubernetes_ingress_labelpresent_app: 'true',
        __meta_kubernetes_ingress_annotation_cert_manager_io_cluster_issuer: 'letsencrypt',
        __meta_kubernetes_ingress_annotationpresent_cert_manager_io_cluster_issuer: 'true',
      },
      targets: [
        { __address__: 'www.shop.example.com', __meta_kubernetes_ingress_scheme: 'https', __meta_kubernetes_ingress_path: '/' },
        { __address__: 'www.shop.example.com', __meta_kubernetes_ingress_scheme: 'https', __meta_kubernetes_ingress_path: '/api' },
        { __address__: 'status.example.com', __meta_kubernetes_ingress_scheme: 'http', __meta_kubernetes_ingress_path: '/' },
      ],
    });
    expect(api.requests[0].path.split('?')[0]).toBe('/apis/networking.k8s.io/v1/ingresses');
  });

  it('pod role with own_namespace from the kubeconfig and attach_metadata.node', async () => {
    const api = await startFakeKubeApi(LISTS, 'tok');
    cleanups.push(() => api.close());
    const dir = tempDir();
    writeFileSync(
      join(dir, 'kc.yaml'),
      stringify({
        'current-context': 'c',
        contexts: [{ name: 'c', context: { cluster: 'k', user: 'u', namespace: 'batch' } }],
        clusters: [{ name: 'k', cluster: { server: `http://${api.address}` } }],
        users: [{ name: 'u', user: { token: 'tok' } }],
      }),
    );
    const d = new KubernetesDiscoverer(kubernetesSdConfigSchema.parse({ role: 'pod', kubeconfig_file: join(dir, 'kc.yaml'), namespaces: { own_namespace: true }, attach_metadata: { node: true } }));
    cleanups.push(() => d.stop());
    const groups: TargetGroup[] = [];
    d.start((gs) => groups.push(...gs));
    await waitFor(() => groups.length === 1, 5000, 'the batch pod');
    expect(groups[0].labels).toMatchObject({ __meta_kubernetes_pod_name: 'report-worker-28861440-kq2lp', __meta_kubernetes_node_name: 'node-b', __meta_kubernetes_node_label_kubernetes_io_hostname: 'node-b' });
    expect(api.requests.filter((r) => !r.path.includes('watch=1')).map((r) => r.path.split('?')[0]).sort()).toEqual(['/api/v1/namespaces/batch/pods', '/api/v1/nodes']);
  });
});

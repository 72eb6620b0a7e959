import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { buildPodGroup, type KubePod } from '../src/metrics/discovery/index.js';
import { loadPrometheusConfig } from '../src/metrics/promconfig/index.js';
import { ScrapeManager, type TargetStatus } from '../src/metrics/scrape/index.js';
import { MemoryStorage } from '../src/metrics/storage-api/index.js';
import { REPO_ROOT, tempDir, waitFor } from './helpers/process.js';
import { startFakeKubeApi, type RecordedList } from './helpers/kube-api.js';

const FIXTURE = JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures/kubernetes/pods.json'), 'utf8')) as { items: KubePod[]; metadata: { resourceVersion: string } };
const SEED = parse(readFileSync(join(REPO_ROOT, 'test/fixtures/seed/prometheus.yml'), 'utf8')) as { scrape_configs: { job_name: string; relabel_configs: unknown[] }[] };
const seedJob = SEED.scrape_configs.find((s) => s.job_name === 'kubernetes-pods')!;

const startKubeApi = (token: string, tls?: { cert: Buffer; key: Buffer }) => startFakeKubeApi({ pods: FIXTURE as unknown as RecordedList }, token, tls);

function writeConfig(dir: string, sd: Record<string, unknown>): string {
  const file = join(dir, 'prometheus.yml');
  writeFileSync(
    file,
    stringify({
      global: { scrape_interval: '1h', scrape_timeout: '1s' },
      scrape_configs: [{ job_name: 'kubernetes-pods', kubernetes_sd_configs: [{ role: 'pod', ...sd }], relabel_configs: seedJob.relabel_configs }],
    }),
  );
  return file;
}

function summary(ts: TargetStatus[]) {
  return ts
    .map((t) => ({ url: t.scrapeUrl, labels: t.labels.toObject() }))
    .sort((a, b) => (a.url < b.url ? -1 : 1));
}

describe('kubernetes_sd_configs role pod with the seed kubernetes-pods job', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.reverse()) await c();
    cleanups.length = 0;
  });

  it('yields exactly the annotated targets via kubeconfig, and follows the watch', async () => {
    const api = await startKubeApi('kc-token');
    cleanups.push(() => api.close());
    const dir = tempDir();
    writeFileSync(
      join(dir, 'kubeconfig.yaml'),
      stringify({
        apiVersion: 'v1',
        kind: 'Config',
        'current-context': 'test',
        contexts: [{ name: 'test', context: { cluster: 'loop', user: 'prom', namespace: 'shop' } }],
        clusters: [{ name: 'loop', cluster: { server: `http://${api.address}` } }],
        users: [{ name: 'prom', user: { token: 'kc-token' } }],
      }),
    );
    const cfg = loadPrometheusConfig(writeConfig(dir, { kubeconfig_file: 'kubeconfig.yaml' }));
    const mgr = new ScrapeManager(new MemoryStorage(), { discoveryUpdateIntervalMs: 50 });
    cleanups.push(() => mgr.stop());
    mgr.applyConfig(cfg);

    await waitFor(() => mgr.activeTargets().length === 3, 5000, 'three targets');
    expect(summary(mgr.activeTargets())).toEqual([
      { url: 'http://10.244.1.15:8080/custom/metrics', labels: { job: 'kubernetes-pods', instance: '10.244.1.15:8080' } },
      { url: 'http://10.244.2.7/metrics', labels: { job: 'kubernetes-pods', instance: '10.244.2.7' } },
      { url: 'http://10.244.2.9:9102/metrics', labels: { job: 'kubernetes-pods', instance: '10.244.2.9:9102' } },
    ]);
    expect(api.requests[0].path).toMatch(/^\/api\/v1\/pods\?/);
    // postgres (not annotated) and cache (scrape: "false") are dropped; the pending pod has no IP, so no target.
    const dropped = mgr.droppedTargets().map((t) => t.discoveredLabels.get('__meta_kubernetes_pod_name')).sort();
    expect(dropped).toEqual(['cache-5f6g7h-abcde', 'postgres-0']);

    const web = mgr.activeTargets().find((t) => t.labels.get('instance') === '10.244.1.15:8080')!;
    expect(web.discoveredLabels.toObject()).toMatchObject({
      __address__: '10.244.1.15:8080',
      __metrics_path__: '/metrics',
      __scheme__: 'http',
      __scrape_interval__: '1h',
      __scrape_timeout__: '1s',
      job: 'kubernetes-pods',
      __meta_kubernetes_namespace: 'shop',
      __meta_kubernetes_pod_name: 'web-7d9f8b6c5-x2x9q',
      __meta_kubernetes_pod_annotation_prometheus_io_path: '/custom/metrics',
      __meta_kubernetes_pod_annotationpresent_prometheus_io_scrape: 'true',
      __meta_kubernetes_pod_label_app_kubernetes_io_name: 'web',
      __meta_kubernetes_pod_labelpresent_pod_template_hash: 'true',
      __meta_kubernetes_pod_container_name: 'web',
      __meta_kubernetes_pod_container_port_name: 'http',
      __meta_kubernetes_pod_container_port_number: '8080',
      __meta_kubernetes_pod_container_port_protocol: 'TCP',
      __meta_kubernetes_pod_container_id: 'containerd://bb22',
      __meta_kubernetes_pod_container_image: 'registry.example.com/shop/web:1.4.2',
      __meta_kubernetes_pod_container_init: 'false',
      __meta_kubernetes_pod_ready: 'true',
      __meta_kubernetes_pod_phase: 'Running',
      __meta_kubernetes_pod_node_name: 'node-a',
      __meta_kubernetes_pod_host_ip: '192.168.1.10',
      __meta_kubernetes_pod_ip: '10.244.1.15',
      __meta_kubernetes_pod_uid: '0b4e6f1c-3a8d-4c52-9d6e-1f2a3b4c5d6e',
      __meta_kubernetes_pod_controller_kind: 'ReplicaSet',
      __meta_kubernetes_pod_controller_name: 'web-7d9f8b6c5',
    });

    // Watch: api pod deleted, a new annotated pod added.
    await waitFor(() => api.requests.some((r) => r.path.includes('watch=1') && r.path.includes('resourceVersion=184467')), 5000, 'a watch from the list version');
    const apiPod = FIXTURE.items.find((p) => p.metadata.name.startsWith('api-'))!;
    api.push('pods', { type: 'DELETED', object: apiPod });
    const added: KubePod = {
      metadata: { name: 'metrics-exporter-1', namespace: 'ops', uid: 'u-1', annotations: { 'prometheus.io/scrape': 'true' }, resourceVersion: '184500' },
      spec: { containers: [{ name: 'exporter', image: 'exp:1', ports: [{ name: 'metrics', containerPort: 9100, protocol: 'TCP' }] }] },
      status: { phase: 'Running', podIP: '10.244.3.3', conditions: [{ type: 'Ready', status: 'True' }] },
    };
    api.push('pods', { type: 'ADDED', object: added });
    await waitFor(() => {
      const urls = summary(mgr.activeTargets()).map((t) => t.url);
      return urls.length === 3 && urls.includes('http://10.244.3.3:9100/metrics') && !urls.includes('http://10.244.2.9:9102/metrics');
    }, 5000, 'watch events applied');
  });

  it('uses api_server with authorization credentials_file and only the configured namespaces', async () => {
    const api = await startKubeApi('file-token');
    cleanups.push(() => api.close());
    const dir = tempDir();
    writeFileSync(join(dir, 'token'), 'file-token\n');
    const cfg = loadPrometheusConfig(writeConfig(dir, { api_server: `http://${api.address}`, authorization: { credentials_file: 'token' }, namespaces: { names: ['shop'] } }));
    const mgr = new ScrapeManager(new MemoryStorage(), { discoveryUpdateIntervalMs: 50 });
    cleanups.push(() => mgr.stop());
    mgr.applyConfig(cfg);
    await waitFor(() => mgr.activeTargets().length === 2, 5000, 'two targets');
    expect(summary(mgr.activeTargets()).map((t) => t.url)).toEqual(['http://10.244.1.15:8080/custom/metrics', 'http://10.244.2.9:9102/metrics']);
    expect(api.requests.every((r) => r.path.startsWith('/api/v1/namespaces/shop/pods?') && r.auth === 'Bearer file-token')).toBe(true);
  });

  it('runs the seed prometheus.yml unchanged in-cluster: service-account token and CA over HTTPS', async () => {
    const fx = join(import.meta.dirname, 'fixtures/kubernetes');
    const api = await startKubeApi('sa-token', { cert: readFileSync(join(fx, 'apiserver.crt')), key: readFileSync(join(fx, 'apiserver.key')) });
    cleanups.push(() => api.close());
    const sa = tempDir();
    writeFileSync(join(sa, 'token'), 'sa-token');
    writeFileSync(join(sa, 'namespace'), 'monitoring');
    writeFileSync(join(sa, 'ca.crt'), readFileSync(join(fx, 'apiserver.crt')));
    const cfg = loadPrometheusConfig(join(REPO_ROOT, 'test/fixtures/seed/prometheus.yml'));
    const [host, port] = api.address.split(':');
    const mgr = new ScrapeManager(new MemoryStorage(), { discoveryUpdateIntervalMs: 50, env: { KUBERNETES_SERVICE_HOST: host, KUBERNETES_SERVICE_PORT: port }, inClusterDir: sa });
    cleanups.push(() => mgr.stop());
    mgr.applyConfig(cfg);
    await waitFor(() => mgr.activeTargets().length === 3, 5000, 'three targets');
    expect(summary(mgr.activeTargets()).map((t) => t.url)).toEqual(['http://10.244.1.15:8080/custom/metrics', 'http://10.244.2.7/metrics', 'http://10.244.2.9:9102/metrics']);
    expect(api.requests[0].auth).toBe('Bearer sa-token');
  });

  it('builds one target per container port, one per port-less container, and sanitises label names', () => {
    const g = buildPodGroup(FIXTURE.items[0]);
    expect(g.source).toBe('pod/shop/web-7d9f8b6c5-x2x9q');
    expect(g.targets.map((t) => t.__address__)).toEqual(['10.244.1.15:8080', '10.244.1.15:9000', '10.244.1.15:15090']);
    expect(g.labels.__meta_kubernetes_pod_annotation_kubectl_kubernetes_io_restartedAt).toBe('2026-11-20T09:13:58Z');
    const api = buildPodGroup(FIXTURE.items[3]);
    expect(api.targets).toEqual([
      expect.objectContaining({ __address__: '10.244.2.9:3000', __meta_kubernetes_pod_container_init: 'false', __meta_kubernetes_pod_container_id: 'containerd://ee55' }),
      {
        __address__: '10.244.2.9',
        __meta_kubernetes_pod_container_name: 'migrate',
        __meta_kubernetes_pod_container_id: 'containerd://dd44',
        __meta_kubernetes_pod_container_image: 'registry.example.com/shop/api:3.1.0',
        __meta_kubernetes_pod_container_init: 'true',
      },
    ]);
    expect(buildPodGroup(FIXTURE.items[1]).labels.__meta_kubernetes_pod_ready).toBe('false');
    expect(buildPodGroup(FIXTURE.items[4]).targets).toEqual([]);
  });
});

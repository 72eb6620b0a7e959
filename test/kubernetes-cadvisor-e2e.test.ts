import { readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forwardProxy } from './helpers/forward-proxy.js';
import { startFakeKubeApi, type FakeKubeApi, type RecordedList } from './helpers/kube-api.js';
import { spawnWithPrometheusConfig, tempDir, waitFor, type SpawnedSightline } from './helpers/process.js';
import { makeTestPki } from './helpers/tls-certs.js';

/**
 * The kubelet and cAdvisor jobs of Prometheus's example Kubernetes configuration, relabeling unchanged: node-role
 * discovery against an HTTPS API server (CA file, bearer token file), each node scraped through the API server's
 * node proxy at `kubernetes.default.svc:443`. The test reaches that name through `proxy_url` (a loopback forward
 * proxy tunnelling to the API server); the series land in Sightline's TSDB with the expected labels.
 */

const NODES = (JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures/kubernetes/cluster.json'), 'utf8')) as Record<string, RecordedList>).nodes;

function cadvisor(node: string): string {
  const now = Date.now();
  const pod = node === 'node-a' ? 'web-7d9f8b6c5-x2x9q' : 'api-6b5c4d-9zzkq';
  const c = node === 'node-a' ? 'web' : 'api';
  const ls = `container="${c}",id="/kubepods/burstable/pod-${c}/${c}",image="registry.example.com/shop/${c}:1",name="${c}-cid",namespace="shop",pod="${pod}"`;
  return [
    '# HELP container_memory_working_set_bytes Current working set in bytes.',
    '# TYPE container_memory_working_set_bytes gauge',
    `container_memory_working_set_bytes{${ls}} ${node === 'node-a' ? 123456789 : 98765432} ${now}`,
    '# HELP container_cpu_usage_seconds_total Cumulative cpu time consumed in seconds.',
    '# TYPE container_cpu_usage_seconds_total counter',
    `container_cpu_usage_seconds_total{${ls},cpu="total"} 4321.5 ${now}`,
    '',
  ].join('\n');
}

describe('kubernetes-nodes and kubernetes-nodes-cadvisor through the API server proxy', () => {
  let dir: string;
  let api: FakeKubeApi;
  let proxy: ReturnType<typeof forwardProxy>;
  const proxyLog: string[] = [];
  let s: SpawnedSightline;
  let base: string;

  beforeAll(async () => {
    dir = tempDir('k8s-cadvisor-');
    const pki = makeTestPki(dir, 'apiserver', ['DNS:kubernetes.default.svc', 'IP:127.0.0.1']);
    writeFileSync(join(dir, 'token'), 'sa-token\n');
    api = await startFakeKubeApi({ nodes: NODES }, 'sa-token', { cert: pki.cert, key: pki.key });
    api.extra = (req, res) => {
      const m = /^\/api\/v1\/nodes\/([^/]+)\/proxy\/metrics(\/cadvisor)?$/.exec(req.url ?? '');
      if (!m) return false;
      res.setHeader('Content-Type', 'text/plain; version=0.0.4; charset=utf-8');
      res.end(m[2] ? cadvisor(m[1]) : `# TYPE kubelet_running_pods gauge\nkubelet_running_pods ${m[1] === 'node-a' ? 3 : 2}\n`);
      return true;
    };
    const apiPort = Number(api.address.split(':')[1]);
    proxy = forwardProxy(proxyLog, (hostPort) => (hostPort === 'kubernetes.default.svc:443' ? apiPort : 0));
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;

    const sd = { role: 'node', api_server: `https://${api.address}`, tls_config: { ca_file: pki.caFile }, bearer_token_file: join(dir, 'token') };
    const job = (name: string, path: string) => ({
      job_name: name,
      scheme: 'https',
      tls_config: { ca_file: pki.caFile },
      bearer_token_file: join(dir, 'token'),
      proxy_url: proxyUrl,
      kubernetes_sd_configs: [sd],
      relabel_configs: [
        { action: 'labelmap', regex: '__meta_kubernetes_node_label_(.+)' },
        { target_label: '__address__', replacement: 'kubernetes.default.svc:443' },
        { source_labels: ['__meta_kubernetes_node_name'], regex: '(.+)', target_label: '__metrics_path__', replacement: path },
      ],
    });
    writeFileSync(
      join(dir, 'prometheus.yml'),
      stringify({
        global: { scrape_interval: '1s', scrape_timeout: '900ms' },
        scrape_configs: [job('kubernetes-nodes', '/api/v1/nodes/${1}/proxy/metrics'), job('kubernetes-nodes-cadvisor', '/api/v1/nodes/${1}/proxy/metrics/cadvisor')],
      }),
    );
    ({ s, base } = await spawnWithPrometheusConfig(dir));
  }, 60_000);

  afterAll(async () => {
    s?.child.kill('SIGTERM');
    await s?.exited;
    await api?.close();
    proxy?.closeAllConnections();
    proxy?.close();
  });

  const query = async (q: string) =>
    ((await (await fetch(`${base}/api/v1/query?query=${encodeURIComponent(q)}`)).json()) as { data: { result: { metric: Record<string, string>; value: [number, string] }[] } }).data.result;

  it('stores the cAdvisor container series of every node with node labels and instance = node name', async () => {
    const r = await waitFor(async () => {
      const res = await query('container_memory_working_set_bytes');
      return res.length === 2 ? res : undefined;
    }, 25_000, 'cAdvisor series from both nodes');
    const byInstance = Object.fromEntries(r.map((x) => [x.metric.instance, x]));
    expect(byInstance['node-a'].metric).toEqual({
      __name__: 'container_memory_working_set_bytes',
      job: 'kubernetes-nodes-cadvisor',
      instance: 'node-a',
      kubernetes_io_hostname: 'node-a',
      topology_kubernetes_io_zone: 'eu-west-1a',
      container: 'web',
      id: '/kubepods/burstable/pod-web/web',
      image: 'registry.example.com/shop/web:1',
      name: 'web-cid',
      namespace: 'shop',
      pod: 'web-7d9f8b6c5-x2x9q',
    });
    expect(Number(byInstance['node-a'].value[1])).toBe(123456789);
    expect(byInstance['node-b'].metric).toMatchObject({ instance: 'node-b', kubernetes_io_hostname: 'node-b', pod: 'api-6b5c4d-9zzkq' });
    // The seed's HighPodMemory-style aggregation works over them.
    const byPod = await query('sum by (namespace, pod) (container_memory_working_set_bytes{container!=""})');
    expect(byPod.map((x) => `${x.metric.pod}=${x.value[1]}`).sort()).toEqual(['api-6b5c4d-9zzkq=98765432', 'web-7d9f8b6c5-x2x9q=123456789']);
    expect((await query('container_cpu_usage_seconds_total{cpu="total"}')).length).toBe(2);
  });

  it('scrapes the kubelet job too, through the API server proxy with the bearer token', async () => {
    const r = await waitFor(async () => {
      const res = await query('kubelet_running_pods{job="kubernetes-nodes"}');
      return res.length === 2 ? res : undefined;
    }, 15_000, 'kubelet series');
    expect(r.map((x) => `${x.metric.instance}=${x.value[1]}`).sort()).toEqual(['node-a=3', 'node-b=2']);
    const targets = (await (await fetch(`${base}/api/v1/targets`)).json()) as { data: { activeTargets: { scrapeUrl: string; health: string; labels: Record<string, string> }[] } };
    expect(targets.data.activeTargets.map((t) => t.scrapeUrl).sort()).toEqual([
      'https://kubernetes.default.svc:443/api/v1/nodes/node-a/proxy/metrics',
      'https://kubernetes.default.svc:443/api/v1/nodes/node-a/proxy/metrics/cadvisor',
      'https://kubernetes.default.svc:443/api/v1/nodes/node-b/proxy/metrics',
      'https://kubernetes.default.svc:443/api/v1/nodes/node-b/proxy/metrics/cadvisor',
    ]);
    expect(targets.data.activeTargets.every((t) => t.health === 'up')).toBe(true);
    const scrapes = api.requests.filter((q) => q.path.includes('/proxy/metrics'));
    expect(scrapes.length).toBeGreaterThan(0);
    expect(scrapes.every((q) => q.auth === 'Bearer sa-token')).toBe(true);
    expect(proxyLog.some((l) => l.startsWith('CONNECT kubernetes.default.svc:443'))).toBe(true);
  });
});

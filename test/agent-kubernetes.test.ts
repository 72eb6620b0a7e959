import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent, parsePromtailConfig } from '../src/agent/index.js';
import { startLogsForTest, type RunningLogs } from '../src/logs/testing.js';
import { silentLogger } from '../src/server/index.js';
import { allLines, compareLines } from './helpers/agent.js';
import { tempDir, waitFor } from './helpers/process.js';

interface Pod {
  metadata: { name: string; namespace: string; uid: string };
  spec: { nodeName?: string; containers: { name: string }[]; initContainers?: { name: string }[] };
}

const FX = join(import.meta.dirname, 'fixtures/kubernetes');
// Recorded PodList; uids made unique per run, so the kubelet-style directories never collide with another run.
const RUN = randomUUID().slice(0, 8);
const PODS = JSON.parse(readFileSync(join(FX, 'pods.json'), 'utf8').replace(/"uid": "([0-9a-f-]{36})"/g, (_m, u: string) => `"uid": "${u.slice(0, 28)}${RUN}"`)) as { items: Pod[]; metadata: unknown };

/** A Kubernetes API over HTTPS on loopback answering pod list and (idle) watch requests in-cluster style. */
async function startKubeApi(token: string): Promise<{ host: string; port: string; close: () => Promise<void> }> {
  const server = https.createServer({ cert: readFileSync(join(FX, 'apiserver.crt')), key: readFileSync(join(FX, 'apiserver.key')) }, (req, res) => {
    const url = new URL(req.url!, 'https://x');
    if (req.headers.authorization !== `Bearer ${token}` || url.pathname !== '/api/v1/pods') {
      res.statusCode = req.headers.authorization !== `Bearer ${token}` ? 401 : 404;
      res.end();
      return;
    }
    res.setHeader('Content-Type', 'application/json');
    if (url.searchParams.get('watch') === '1') {
      res.writeHead(200);
      res.write('');
      return;
    }
    res.end(JSON.stringify({ kind: 'PodList', apiVersion: 'v1', metadata: PODS.metadata, items: PODS.items }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    host: '127.0.0.1',
    port: String(port),
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

const podDir = (p: Pod) => `/var/log/pods/${p.metadata.namespace}_${p.metadata.name}_${p.metadata.uid}`;

describe('agent: Kubernetes pods with the Promtail Helm chart default config', () => {
  let loki: RunningLogs;
  const dirs: string[] = [];
  beforeAll(async () => {
    loki = await startLogsForTest(tempDir('agent-k8s-loki-'));
  });
  afterAll(async () => {
    await loki.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('discovers pods in-cluster, tails kubelet-laid-out CRI and docker files, ships with the chart labels', async () => {
    const api = await startKubeApi('sa-token');
    const sa = tempDir('agent-sa-');
    writeFileSync(join(sa, 'token'), 'sa-token');
    writeFileSync(join(sa, 'namespace'), 'monitoring');
    writeFileSync(join(sa, 'ca.crt'), readFileSync(join(FX, 'apiserver.crt')));
    const web = PODS.items.find((p) => p.metadata.name.startsWith('web-7d9f8b6c5-x2'))!;
    const api2 = PODS.items.find((p) => p.metadata.name.startsWith('api-'))!;
    for (const p of [web, api2]) dirs.push(podDir(p));

    // containerd (CRI) for web, with partial lines; docker json-file for istio-proxy; the api pod's container and its init container.
    const webLog = join(podDir(web), 'web', '0.log');
    const proxyLog = join(podDir(web), 'istio-proxy', '0.log');
    const apiLog = join(podDir(api2), 'api', '0.log');
    const migrateLog = join(podDir(api2), 'migrate', '0.log');
    for (const f of [webLog, proxyLog, apiLog, migrateLog]) mkdirSync(join(f, '..'), { recursive: true });
    // Lines timed 10 minutes ago (whole seconds): the test reads Loki's last week, and Loki refuses old samples.
    const base = Math.floor((Date.now() - 10 * 60_000) / 1000) * 1000;
    const at = (s: number, frac = '') => new Date(base + s * 1000).toISOString().replace('.000Z', `${frac}Z`);
    writeFileSync(webLog, `${at(0, '.000000001')} stdout F web started\n${at(1, '.5')} stderr P a long line, first part; \n${at(1, '.5')} stderr F second part\n`);
    writeFileSync(proxyLog, `{"log":"proxy ready\\n","stream":"stdout","time":"${at(2, '.25')}"}\n`);
    writeFileSync(apiLog, `${at(3)} stdout F api up\n`);
    writeFileSync(migrateLog, `${at(-60)} stdout F migrated\n`);

    const helm = readFileSync(join(import.meta.dirname, 'fixtures/agent/promtail-helm.yaml'), 'utf8')
      .replace('/run/promtail/positions.yaml', join(tempDir('agent-k8s-'), 'positions.yaml'))
      .replace('http://loki-gateway/loki/api/v1/push', `${loki.base}/loki/api/v1/push`);
    const config = parsePromtailConfig(helm);
    // Test pacing only: the chart's defaults are 10 s syncs and 250 ms polls.
    config.target_config.sync_period = 200;
    config.clients[0].batchwait = 50;
    const agent = new Agent({
      config,
      registry: new Registry(),
      logger: silentLogger(),
      hostname: 'node-a',
      discovery: { env: { KUBERNETES_SERVICE_HOST: api.host, KUBERNETES_SERVICE_PORT: api.port }, inClusterDir: sa, updateIntervalMs: 0 },
    });
    await agent.start();
    try {
      const expected = ['web started', 'a long line, first part; second part', 'proxy ready\n', 'api up', 'migrated', 'later line'];
      await waitFor(async () => (await allLines(loki.base, '{namespace="shop"}', 7 * 86_400_000)).length >= 5, 15_000, 'pod lines').catch((e: Error) => {
        throw new Error(`${e.message}; active ${JSON.stringify([...agent.targets.activeTargets()].map(([j, ts]) => [j, ts.map((t) => [t.opts.path, [...t.readers.keys()]])]))}; dropped ${JSON.stringify(agent.targets.droppedTargets().slice(0, 3))}`);
      });
      appendFileSync(webLog, `${at(9)} stdout F later line\n`);
      const got = await waitFor(async () => {
        const all = await allLines(loki.base, '{namespace="shop"}', 7 * 86_400_000);
        return all.length >= expected.length ? all : undefined;
      }, 15_000, 'all pod lines');
      expect(compareLines(got.map((l) => l.line), expected)).toEqual({ missing: [], duplicates: [], unexpected: [] });
      const by = (line: string) => got.find((l) => l.line === line)!;
      expect(by('web started').stream).toEqual({ namespace: 'shop', pod: web.metadata.name, container: 'web', app: 'web', job: 'shop/web', node_name: 'node-a', stream: 'stdout', filename: webLog });
      expect(by('web started').ts).toBe((BigInt(base) * 1_000_000n + 1n).toString());
      expect(by('a long line, first part; second part').stream.stream).toBe('stderr');
      expect(by('proxy ready\n').stream).toMatchObject({ container: 'istio-proxy', stream: 'stdout', filename: proxyLog });
      expect(by('api up').stream).toMatchObject({ namespace: 'shop', pod: api2.metadata.name, container: 'api', app: 'api', job: 'shop/api', node_name: 'node-b' });
      expect(by('migrated').stream).toMatchObject({ container: 'migrate' });
    } finally {
      await agent.stop();
      await api.close();
    }
  }, 40_000);
});

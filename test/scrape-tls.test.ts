import { writeFileSync } from 'node:fs';
import type http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnWithPrometheusConfig, tempDir, waitFor, type SpawnedSightline } from './helpers/process.js';
import { makeTestPki, type TestPki } from './helpers/tls-certs.js';

/**
 * `tls_config` and rotated credential files end to end: a kubelet-style HTTPS target (certificate from a CA made at
 * test time, bearer token required) scraped by the Sightline process, a job with the wrong CA, one with
 * insecure_skip_verify, and remote write to an HTTPS receiver that trusts only that CA.
 */

interface ActiveTarget {
  scrapePool: string;
  health: string;
  lastError: string;
}

async function listenTls(pki: TestPki, handler: http.RequestListener): Promise<{ server: https.Server; port: number }> {
  const server = https.createServer({ cert: pki.cert, key: pki.key }, handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as AddressInfo).port };
}

describe('tls_config and bearer_token_file in scraping and remote write', () => {
  let dir: string;
  let s: SpawnedSightline;
  let base: string;
  let token = 'kubelet-token-1';
  const kubeletAuth: string[] = [];
  const writes: { auth: string | undefined; bytes: number }[] = [];
  let kubelet: { server: https.Server; port: number };
  let receiver: { server: https.Server; port: number };

  beforeAll(async () => {
    dir = tempDir('scrape-tls-');
    const pki = makeTestPki(dir, 'kubelet');
    const other = makeTestPki(dir, 'other');
    kubelet = await listenTls(pki, (req, res) => {
      kubeletAuth.push(req.headers.authorization ?? '');
      if (req.headers.authorization !== `Bearer ${token}`) {
        res.writeHead(401).end('Unauthorized');
        return;
      }
      res.setHeader('Content-Type', 'text/plain; version=0.0.4');
      res.end('# TYPE kubelet_running_pods gauge\nkubelet_running_pods 7\n');
    });
    receiver = await listenTls(pki, (req, res) => {
      let bytes = 0;
      req.on('data', (c: Buffer) => (bytes += c.length));
      req.on('end', () => {
        writes.push({ auth: req.headers.authorization, bytes });
        res.writeHead(204).end();
      });
    });
    writeFileSync(join(dir, 'token'), `${token}\n`);
    writeFileSync(join(dir, 'rw-credentials'), 'rw-secret');
    const target = `127.0.0.1:${kubelet.port}`;
    const job = (name: string, tls: Record<string, unknown>) => ({
      job_name: name,
      scheme: 'https',
      bearer_token_file: join(dir, 'token'),
      tls_config: tls,
      static_configs: [{ targets: [target] }],
    });
    writeFileSync(
      join(dir, 'prometheus.yml'),
      JSON.stringify({
        global: { scrape_interval: '1s', scrape_timeout: '900ms' },
        scrape_configs: [
          job('kubelet', { ca_file: pki.caFile, min_version: 'TLS12' }),
          job('wrong-ca', { ca_file: other.caFile }),
          job('insecure', { insecure_skip_verify: true }),
          job('wrong-name', { ca_file: pki.caFile, server_name: 'kubelet.example' }),
        ],
        remote_write: [
          {
            url: `https://127.0.0.1:${receiver.port}/api/v1/write`,
            authorization: { credentials_file: join(dir, 'rw-credentials') },
            tls_config: { ca_file: pki.caFile },
            queue_config: { batch_send_deadline: '200ms' },
          },
        ],
      }),
    );
    ({ s, base } = await spawnWithPrometheusConfig(dir));
  }, 60_000);

  afterAll(async () => {
    s?.child.kill('SIGTERM');
    await s?.exited;
    kubelet?.server.closeAllConnections();
    kubelet?.server.close();
    receiver?.server.closeAllConnections();
    receiver?.server.close();
  });

  const targets = async (): Promise<Record<string, ActiveTarget>> => {
    const r = (await (await fetch(`${base}/api/v1/targets`)).json()) as { data: { activeTargets: ActiveTarget[] } };
    return Object.fromEntries(r.data.activeTargets.map((t) => [t.scrapePool, t]));
  };

  it('scrapes the HTTPS target with the CA file and token file; the wrong CA and server name fail with x509 errors', async () => {
    const t = await waitFor(async () => {
      const all = await targets();
      return Object.values(all).length === 4 && Object.values(all).every((x) => x.health !== 'unknown') ? all : undefined;
    }, 20_000, 'all four targets scraped');
    expect(t.kubelet).toMatchObject({ health: 'up', lastError: '' });
    expect(t.insecure).toMatchObject({ health: 'up', lastError: '' });
    expect(t['wrong-ca'].health).toBe('down');
    expect(t['wrong-ca'].lastError).toBe(`Get "https://127.0.0.1:${kubelet.port}/metrics": x509: certificate signed by unknown authority`);
    expect(t['wrong-name'].health).toBe('down');
    expect(t['wrong-name'].lastError).toBe(`Get "https://127.0.0.1:${kubelet.port}/metrics": x509: certificate is valid for 127.0.0.1, localhost, not kubelet.example`);
    const q = (await (await fetch(`${base}/api/v1/query?query=${encodeURIComponent('kubelet_running_pods')}`)).json()) as { data: { result: { metric: Record<string, string> }[] } };
    expect(q.data.result.map((r) => r.metric.job).sort()).toEqual(['insecure', 'kubelet']);
  });

  it('re-reads the bearer token file at each scrape, as Prometheus does', async () => {
    token = 'kubelet-token-2';
    writeFileSync(join(dir, 'token'), token);
    const seen = kubeletAuth.length;
    await waitFor(() => kubeletAuth.slice(seen).includes('Bearer kubelet-token-2'), 5000, 'a scrape with the rotated token');
    await waitFor(async () => (await targets()).kubelet.lastError === '', 5000, 'kubelet target up again');
  });

  it('remote-writes over HTTPS trusting the configured CA, with the credentials file', async () => {
    await waitFor(() => writes.length > 0, 15_000, 'a remote write request');
    expect(writes[0].auth).toBe('Bearer rw-secret');
    expect(writes[0].bytes).toBeGreaterThan(0);
  });
});

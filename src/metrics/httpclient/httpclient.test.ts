import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import { type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTestPki } from '../../../test/helpers/tls-certs.js';
import { forwardProxy } from '../../../test/helpers/forward-proxy.js';
import { tempDir } from '../../../test/helpers/process.js';
import { tlsConfigSchema } from '../promconfig/index.js';
import { HttpClient, noProxyMatcher, sendRequest } from './index.js';

async function listen(server: net.Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

describe('HttpClient transport', () => {
  const closers: (() => void)[] = [];
  afterEach(() => {
    for (const c of closers.splice(0)) c();
  });

  it('goes through proxy_url: absolute-form for http, CONNECT for https (with the CA), and no_proxy bypasses it', async () => {
    const pki = makeTestPki(tempDir('httpclient-'), 'origin', ['DNS:origin.test', 'IP:127.0.0.1']);
    const plain = http.createServer((req, res) => res.end(`plain ${req.headers.host}`));
    const secure = https.createServer({ cert: pki.cert, key: pki.key }, (req, res) => res.end(`secure ${req.url}`));
    const plainPort = await listen(plain);
    const securePort = await listen(secure);
    const log: string[] = [];
    const proxy = forwardProxy(log, () => securePort);
    const proxyPort = await listen(proxy);
    for (const s of [plain, secure, proxy]) closers.push(() => (s.closeAllConnections(), s.close()));

    const client = new HttpClient({ proxy_url: `http://u:p@127.0.0.1:${proxyPort}`, no_proxy: 'localhost,10.0.0.0/8', tls_config: { ca: pki.ca.toString() } });
    closers.push(() => client.close());
    const get = async (url: string) => (await sendRequest(client, new URL(url), { method: 'GET', headers: {} })).body.toString();

    expect(await get(`http://127.0.0.1:${plainPort}/m`)).toBe(`plain 127.0.0.1:${plainPort}`);
    // The name resolves only at the proxy's side: the tunnel leads to the HTTPS origin, verified against the CA.
    expect(await get('https://origin.test:443/metrics')).toBe('secure /metrics');
    const auth = `Basic ${Buffer.from('u:p').toString('base64')}`;
    expect(log).toEqual([`GET http://127.0.0.1:${plainPort}/m ${auth}`, `CONNECT origin.test:443 ${auth}`]);
    expect(await get(`http://localhost:${plainPort}/direct`)).toBe(`plain localhost:${plainPort}`);
    expect(log).toHaveLength(2);
  });

  it('applies min_version, and the schema refuses an unknown TLS version', async () => {
    const pki = makeTestPki(tempDir('httpclient-'), 'old');
    const tls12 = https.createServer({ cert: pki.cert, key: pki.key, maxVersion: 'TLSv1.2' }, (_req, res) => res.end('ok'));
    const port = await listen(tls12);
    closers.push(() => (tls12.closeAllConnections(), tls12.close()));
    const get = (c: HttpClient) => sendRequest(c, new URL(`https://127.0.0.1:${port}/`), { method: 'GET', headers: {} });
    const ok = new HttpClient({ tls_config: { ca: pki.ca.toString(), min_version: 'TLS12' } });
    const strict = new HttpClient({ tls_config: { ca: pki.ca.toString(), min_version: 'TLS13' } });
    closers.push(() => ok.close(), () => strict.close());
    expect((await get(ok)).body.toString()).toBe('ok');
    await expect(get(strict)).rejects.toThrow(/version|protocol/i);
    expect(tlsConfigSchema.safeParse({ min_version: 'TLS14' }).success).toBe(false);
  });

  it('matches no_proxy as Go does', () => {
    const m = noProxyMatcher('.svc.cluster.local, example.com, 10.0.0.0/8, host:8080');
    const t = (u: string) => m(new URL(u));
    expect([t('http://a.svc.cluster.local/'), t('http://example.com/'), t('http://sub.example.com/'), t('http://10.1.2.3:9100/'), t('http://host:8080/')]).toEqual([true, true, true, true, true]);
    expect([t('http://svc.cluster.local.evil/'), t('http://notexample.com/'), t('http://11.0.0.1/'), t('http://host:9090/')]).toEqual([false, false, false, false]);
    expect(noProxyMatcher('*')(new URL('http://anything/'))).toBe(true);
  });
});

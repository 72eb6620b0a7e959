import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpPoster } from './http-post.js';

interface Seen {
  method: string;
  url: string;
  body: string;
  contentType: string | undefined;
}

async function serve(answer: (req: IncomingMessage, seen: Seen[]) => { status: number; headers?: Record<string, string>; body?: string } | undefined): Promise<{ url: string; seen: Seen[]; server: Server }> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, body: Buffer.concat(chunks).toString(), contentType: req.headers['content-type'] });
      const a = answer(req, seen);
      if (!a) return; // never answers
      res.writeHead(a.status, a.headers);
      res.end(a.body ?? '');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, server };
}

const servers: Server[] = [];
const posters: HttpPoster[] = [];
afterEach(async () => {
  for (const p of posters.splice(0)) p.close();
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

function poster(follow: boolean): HttpPoster {
  const p = new HttpPoster(follow);
  posters.push(p);
  return p;
}

const HEADERS = { 'content-type': 'application/x-protobuf' };

describe('HttpPoster', () => {
  it('POSTs the body and reports 2xx without reading it; an error answer comes back with its text (cut at 1 KiB)', async () => {
    const s = await serve((req) => (req.url === '/ok' ? { status: 204 } : { status: 400, body: 'x'.repeat(5000) }));
    servers.push(s.server);
    const p = poster(true);
    expect(await p.post(`${s.url}/ok`, HEADERS, Buffer.from('abc'), 5000, new AbortController().signal)).toEqual({ status: 204, text: '' });
    const bad = await p.post(`${s.url}/bad`, HEADERS, Buffer.from('def'), 5000, new AbortController().signal);
    expect(bad.status).toBe(400);
    expect(bad.text).toBe('x'.repeat(1024));
    expect(s.seen.map((x) => [x.method, x.url, x.body, x.contentType])).toEqual([
      ['POST', '/ok', 'abc', 'application/x-protobuf'],
      ['POST', '/bad', 'def', 'application/x-protobuf'],
    ]);
  });

  it("follows redirects as Go's client: 307/308 resend the body, 302 turns into a GET; without following, the 3xx is the answer", async () => {
    const s = await serve((req) => {
      if (req.url === '/a') return { status: 307, headers: { location: '/b' } };
      if (req.url === '/b') return { status: 308, headers: { location: '/c' } };
      if (req.url === '/c') return { status: 204 };
      if (req.url === '/moved') return { status: 302, headers: { location: '/get' } };
      return { status: 405, body: 'method not allowed' };
    });
    servers.push(s.server);
    expect((await poster(true).post(`${s.url}/a`, HEADERS, Buffer.from('body'), 5000, new AbortController().signal)).status).toBe(204);
    expect(s.seen.map((x) => [x.method, x.url, x.body])).toEqual([
      ['POST', '/a', 'body'],
      ['POST', '/b', 'body'],
      ['POST', '/c', 'body'],
    ]);
    s.seen.length = 0;
    expect(await poster(true).post(`${s.url}/moved`, HEADERS, Buffer.from('body'), 5000, new AbortController().signal)).toEqual({ status: 405, text: 'method not allowed' });
    expect(s.seen.map((x) => [x.method, x.url, x.body, x.contentType])).toEqual([
      ['POST', '/moved', 'body', 'application/x-protobuf'],
      ['GET', '/get', '', undefined],
    ]);
    s.seen.length = 0;
    expect((await poster(false).post(`${s.url}/a`, HEADERS, Buffer.from('body'), 5000, new AbortController().signal)).status).toBe(307);
    expect(s.seen).toHaveLength(1);
  });

  it('rejects when the exchange outlasts the timeout, and when the signal aborts', async () => {
    const s = await serve(() => undefined);
    servers.push(s.server);
    await expect(poster(true).post(s.url, HEADERS, Buffer.from('x'), 200, new AbortController().signal)).rejects.toThrow(/timed out/);
    const ac = new AbortController();
    const pending = poster(true).post(s.url, HEADERS, Buffer.from('x'), 60_000, ac.signal);
    setTimeout(() => ac.abort(), 100);
    await expect(pending).rejects.toThrow(/aborted/);
  });
});

describe('HttpPoster over https', () => {
  it('speaks TLS to an https URL (node:https loaded on first use): the server certificate is verified', async () => {
    const fx = join(import.meta.dirname, '../../../test/fixtures/kubernetes');
    const server = createHttpsServer({ cert: readFileSync(join(fx, 'apiserver.crt')), key: readFileSync(join(fx, 'apiserver.key')) }, (_req, res) => res.end());
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const p = poster(false);
    const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/loki/api/v1/push`;
    // The fixture's certificate is signed by its own CA, unknown to Node: a TLS handshake that verifies it fails.
    await expect(p.post(url, {}, Buffer.from('x'), 5000, new AbortController().signal)).rejects.toThrow(/certificate|self.signed/i);
  });
});

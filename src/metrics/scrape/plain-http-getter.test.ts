import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { PlainHttpError, PlainHttpGetter, type PlainRequest } from './plain-http-getter.js';

/** A TCP server that answers each request (a head ending in an empty line) with `answer`'s pieces, written apart. */
interface RawServer {
  port: number;
  /** Connections accepted so far. */
  connections: number;
  /** Request heads received, in order. */
  requests: string[];
  close(): Promise<void>;
}

const servers: { close(): Promise<void> }[] = [];
const getters: PlainHttpGetter[] = [];
afterEach(async () => {
  for (const g of getters.splice(0)) g.close();
  for (const s of servers.splice(0)) await s.close();
});

function rawServer(answer: (req: string, socket: net.Socket, n: number) => (string | Buffer)[] | undefined): Promise<RawServer> {
  const sockets = new Set<net.Socket>();
  const state: RawServer = {
    port: 0,
    connections: 0,
    requests: [],
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        srv.close(() => resolve());
      }),
  };
  const srv = net.createServer((socket) => {
    state.connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let pending = '';
    socket.on('data', (d) => {
      pending += d.toString('latin1');
      for (let end = pending.indexOf('\r\n\r\n'); end >= 0; end = pending.indexOf('\r\n\r\n')) {
        const req = pending.slice(0, end);
        pending = pending.slice(end + 4);
        state.requests.push(req);
        const pieces = answer(req, socket, state.requests.length);
        if (pieces === undefined) continue;
        // Each piece in its own write, apart in time, so that the client sees them in separate reads.
        void (async () => {
          for (const p of pieces) {
            if (socket.destroyed) return;
            socket.write(p);
            await new Promise((r) => setTimeout(r, 5));
          }
        })();
      }
    });
  });
  servers.push(state);
  return new Promise((resolve) => {
    srv.listen(0, '127.0.0.1', () => {
      state.port = (srv.address() as AddressInfo).port;
      resolve(state);
    });
  });
}

function getter(): PlainHttpGetter {
  const g = new PlainHttpGetter();
  getters.push(g);
  return g;
}

const text = (bytes: Buffer) => bytes.toString('utf8');

function request(port: number, over: Partial<PlainRequest> = {}): PlainRequest {
  return { hostname: '127.0.0.1', port, head: `GET /metrics HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n`, timeoutMs: 2000, bodyLimit: 0, decode: text, ...over };
}

describe('PlainHttpGetter', () => {
  it('reads Content-Length bodies and reuses the kept-alive connection', async () => {
    const srv = await rawServer((_req, _s, n) => ['HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 6\r\n\r\nm_a', ` ${n}\n`]);
    const g = getter();
    const a = await g.get(request(srv.port));
    const b = await g.get(request(srv.port));
    expect([a.status, a.statusText, a.headers.get('content-type')]).toEqual([200, 'OK', 'text/plain']);
    expect(a.body).toBe('m_a 1\n');
    expect(b.body).toBe('m_a 2\n');
    expect(srv.connections).toBe(1);
    expect(g.idleConnections()).toBe(1);
    expect(srv.requests[0]).toBe(`GET /metrics HTTP/1.1\r\nHost: 127.0.0.1:${srv.port}`);
  });

  it('hands the body buffer itself to a caller that keeps it, until released; gzip output is not pooled', async () => {
    const srv = await rawServer((req, _s, n) =>
      req.startsWith('GET /gz')
        ? ['HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Encoding: gzip\r\nContent-Length: ' + gzipSync('z 1\n').length + '\r\n\r\n', gzipSync('z 1\n')]
        : [`HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 6\r\n\r\nm_a ${n}\n`],
    );
    const g = getter();
    const keeps = (over: Partial<PlainRequest> = {}) => request(srv.port, { keepsBody: (ct) => ct === 'text/plain', decode: () => 'decoded', ...over });
    const a = await g.get(keeps());
    expect(Buffer.isBuffer(a.body)).toBe(true);
    expect(text(a.body as Buffer)).toBe('m_a 1\n');
    expect(typeof a.release).toBe('function');
    // Not released: the next body goes to another buffer, and a's bytes stay as they were.
    const b = await g.get(keeps());
    expect((a.body as Buffer).buffer).not.toBe((b.body as Buffer).buffer);
    expect(text(a.body as Buffer)).toBe('m_a 1\n');
    // Released (twice: the second call does nothing): the next response reads into that buffer.
    a.release!();
    a.release!();
    const c = await g.get(keeps());
    expect((c.body as Buffer).buffer).toBe((a.body as Buffer).buffer);
    expect(text(c.body as Buffer)).toBe('m_a 3\n');
    c.release!();
    b.release!();
    // A caller that does not keep the body gets decode's result and no release.
    const d = await g.get(keeps({ keepsBody: () => false }));
    expect([d.body, d.release]).toEqual(['decoded', undefined]);
    const gz = await g.get(keeps({ head: `GET /gz HTTP/1.1\r\nHost: 127.0.0.1:${srv.port}\r\n` }));
    expect(text(gz.body as Buffer)).toBe('z 1\n');
    expect(gz.release).toBeUndefined();
  });

  it('decodes chunked bodies cut anywhere (extensions, trailers, a head split byte by byte)', async () => {
    const body = 'métrique_total{a="ü"} 1\n'.repeat(50);
    const bytes = Buffer.from(body, 'utf8');
    const chunked = Buffer.concat([
      Buffer.from(`${(100).toString(16)};ext=1\r\n`),
      bytes.subarray(0, 100),
      Buffer.from(`\r\n${(bytes.length - 100).toString(16)}\r\n`),
      bytes.subarray(100),
      Buffer.from('\r\n0\r\nX-Trailer: t\r\n\r\n'),
    ]);
    const head = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: text/plain\r\n\r\n';
    const pieces: (string | Buffer)[] = [...head].map((c) => c);
    for (let at = 0; at < chunked.length; at += 7) pieces.push(chunked.subarray(at, at + 7));
    const srv = await rawServer(() => pieces);
    const g = getter();
    const r = await g.get(request(srv.port, { timeoutMs: 20_000 }));
    expect(r.body).toBe(body);
    // The whole response was consumed: the connection is reused.
    const r2 = await g.get(request(srv.port, { timeoutMs: 20_000 }));
    expect(r2.body).toBe(body);
    expect(srv.connections).toBe(1);
  }, 30_000);

  it('reads a body that ends with the connection, and does not keep that connection', async () => {
    const srv = await rawServer((_req, socket) => {
      socket.write('HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nup 1\n');
      socket.end('up 2\n');
      return undefined;
    });
    const g = getter();
    const r = await g.get(request(srv.port));
    expect(r.body).toBe('up 1\nup 2\n');
    expect(g.idleConnections()).toBe(0);
  });

  it('inflates gzip bodies and enforces the limit on the inflated size', async () => {
    const body = 'x_total 1\n'.repeat(1000);
    const gz = gzipSync(body);
    const srv = await rawServer(() => [`HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: ${gz.length}\r\n\r\n`, gz]);
    const g = getter();
    expect((await g.get(request(srv.port, { bodyLimit: body.length }))).body).toBe(body);
    const err = await g.get(request(srv.port, { bodyLimit: body.length - 1 })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PlainHttpError);
    expect((err as PlainHttpError).message).toBe('body size limit exceeded');
    expect((err as PlainHttpError).aboutBody).toBe(true);
    const bad = await rawServer(() => ['HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 4\r\n\r\nnope']);
    const e2 = await g.get(request(bad.port)).catch((e: unknown) => e);
    expect((e2 as Error).message).toMatch(/^error decompressing gzip body: /);
  });

  it('fails a plain body over the limit as it arrives', async () => {
    const srv = await rawServer(() => ['HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n', 'a'.repeat(60), 'b'.repeat(40)]);
    const err = await getter()
      .get(request(srv.port, { bodyLimit: 99 }))
      .catch((e: unknown) => e);
    expect((err as PlainHttpError).message).toBe('body size limit exceeded');
  });

  it('times out, and is cancelled by its signal', async () => {
    const srv = await rawServer(() => ['HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly part']);
    const g = getter();
    const t0 = Date.now();
    await expect(g.get(request(srv.port, { timeoutMs: 200 }))).rejects.toThrow('context deadline exceeded');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(190);
    const ac = new AbortController();
    const p = g.get(request(srv.port, { signal: ac.signal, timeoutMs: 5000 }));
    setTimeout(() => ac.abort(), 50);
    await expect(p).rejects.toThrow('context canceled');
    expect(g.idleConnections()).toBe(0);
  });

  it('retries once on a new connection when a kept-alive one was closed by the server', async () => {
    const srv = await rawServer((_req, socket, n) => {
      if (n === 2) {
        socket.destroy(); // the idle connection closed just as the request went out
        return undefined;
      }
      return [`HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nr${n}\n`];
    });
    const g = getter();
    expect((await g.get(request(srv.port))).body).toBe('r1\n');
    expect((await g.get(request(srv.port))).body).toBe('r3\n');
    expect(srv.connections).toBe(2);
  });

  it('fails on connection refused and on a malformed status line', async () => {
    const closed = await rawServer(() => undefined);
    const port = closed.port;
    await closed.close();
    servers.length = 0;
    await expect(getter().get(request(port))).rejects.toThrow(/ECONNREFUSED/);
    const srv = await rawServer(() => ['SSH-2.0-OpenSSH\r\n\r\n']);
    await expect(getter().get(request(srv.port))).rejects.toThrow(/malformed HTTP response/);
  });

  it('answers statuses other than 200 without reading their body (redirect, 404)', async () => {
    const srv = await rawServer((_req, _s, n) => [n === 1 ? 'HTTP/1.1 302 Found\r\nLocation: /elsewhere\r\nContent-Length: 5\r\n\r\nmoved' : 'HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nnope!\r\n0\r\n\r\n']);
    const g = getter();
    const r = await g.get(request(srv.port));
    expect([r.status, r.headers.get('location'), r.body]).toEqual([302, '/elsewhere', undefined]);
    const r2 = await g.get(request(srv.port));
    expect([r2.status, r2.statusText]).toEqual([404, 'Not Found']);
  });

  it('reads a real Node HTTP server: 100 targets on one port, bodies of several reads, keep-alive', async () => {
    const bodies = Array.from({ length: 100 }, (_, i) => `# TYPE m counter\n${`m_total{t="${i}",k="${'v'.repeat(40)}"} ${i}\n`.repeat(3000)}`);
    const srv = http.createServer((req, res) => {
      const i = Number(/^\/t\/(\d+)$/.exec(req.url ?? '')?.[1]);
      res.setHeader('Content-Type', 'text/plain; version=0.0.4');
      if (i % 2 === 0) res.end(bodies[i]);
      else {
        // Chunked by Node: written in pieces without a length.
        const b = bodies[i];
        res.write(b.slice(0, 1000));
        res.end(b.slice(1000));
      }
    });
    srv.keepAliveTimeout = 60_000;
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    servers.push({ close: () => new Promise<void>((r) => srv.close(() => r())) });
    const port = (srv.address() as AddressInfo).port;
    let connections = 0;
    srv.on('connection', () => connections++);
    const g = getter();
    for (let round = 0; round < 2; round++) {
      const got = await Promise.all(bodies.map((_, i) => g.get(request(port, { head: `GET /t/${i} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n` }))));
      got.forEach((r, i) => expect(r.body === bodies[i]).toBe(true));
    }
    expect(connections).toBeLessThanOrEqual(100);
    srv.closeAllConnections();
  });
});

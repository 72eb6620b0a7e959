import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { WebSocket, WebSocketServer } from 'ws';
import { isReadPath } from '../datasources/proxy-paths.js';
import { upstreamHeaders, upstreamUrl } from '../datasources/upstream.js';
import type { UiRouteContext } from './context.js';
import { readCookie } from './cookies.js';

function refuse(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`);
}

/**
 * WebSockets through the datasource proxy (Loki's `/loki/api/v1/tail`): same authentication, origin check and
 * path rules as HTTP; the server opens the upstream socket with the datasource's credentials and relays frames.
 */
export function registerWebSocketProxy(app: FastifyInstance, c: UiRouteContext): void {
  const wss = new WebSocketServer({ noServer: true });
  const open = new Set<WebSocket>();
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://local');
      const m = /^\/api\/datasources\/proxy\/uid\/([^/]+)\/(.*)$/.exec(url.pathname);
      if (!m) return refuse(socket, 404, 'Not Found');
      const origin = req.headers.origin;
      if (origin) {
        let host = '';
        try {
          host = new URL(origin).host;
        } catch {
          /* refused below */
        }
        if (host !== req.headers.host) return refuse(socket, 403, 'Forbidden');
      }
      let user;
      try {
        user = await c.auth.authenticate({ sessionToken: readCookie(req.headers.cookie, c.cookieName), authorization: req.headers.authorization, clientIp: req.socket.remoteAddress ?? '' });
      } catch {
        user = undefined;
      }
      if (!user) return refuse(socket, 401, 'Unauthorized');
      const row = await c.datasources.byUid(decodeURIComponent(m[1]));
      if (!row || row.access !== 'proxy') return refuse(socket, 404, 'Not Found');
      if (user.role !== 'Admin' && !isReadPath(row.type, m[2])) return refuse(socket, 403, 'Forbidden');
      let target: URL;
      try {
        await c.urlPolicy.check(row.url);
        target = upstreamUrl(row.url, m[2], url.search);
      } catch {
        return refuse(socket, 400, 'Bad Request');
      }
      target.protocol = target.protocol === 'https:' ? 'wss:' : 'ws:';
      const upstream = new WebSocket(target, { headers: upstreamHeaders(row, c.datasources.secrets(row)), handshakeTimeout: c.proxyTimeoutMs });
      upstream.once('unexpected-response', (_r, res) => {
        refuse(socket, 502, `Bad Gateway: upstream answered ${res.statusCode}`);
        upstream.terminate();
      });
      upstream.once('error', (err) => {
        if (!socket.destroyed && upstream.readyState !== WebSocket.OPEN) refuse(socket, 502, `Bad Gateway: ${err.message}`);
      });
      upstream.once('open', () => {
        wss.handleUpgrade(req, socket, head, (client) => {
          open.add(client);
          client.on('message', (data, isBinary) => upstream.readyState === WebSocket.OPEN && upstream.send(data, { binary: isBinary }));
          upstream.on('message', (data, isBinary) => client.readyState === WebSocket.OPEN && client.send(data, { binary: isBinary }));
          const closeCode = (code: number) => (code >= 1000 && code < 5000 && code !== 1004 && code !== 1005 && code !== 1006 ? code : 1011);
          client.on('close', (code, reason) => {
            open.delete(client);
            if (upstream.readyState === WebSocket.OPEN) upstream.close(closeCode(code), reason);
          });
          upstream.on('close', (code, reason) => client.readyState === WebSocket.OPEN && client.close(closeCode(code), reason));
          upstream.on('error', () => client.terminate());
          client.on('error', () => upstream.terminate());
        });
      });
    })().catch((err: unknown) => {
      c.logger.error({ component: 'ui', err }, 'websocket proxy failed');
      if (!socket.destroyed) refuse(socket, 500, 'Internal Server Error');
    });
  };
  app.server.on('upgrade', onUpgrade);
  app.addHook('onClose', async () => {
    app.server.off('upgrade', onUpgrade);
    for (const s of open) s.terminate();
    wss.close();
  });
}

import http from 'node:http';
import net from 'node:net';

/**
 * An HTTP forward proxy on loopback: absolute-form requests are fetched from 127.0.0.1, CONNECT requests are
 * tunnelled to 127.0.0.1 at the port `route` gives for the requested `host:port` (so names such as
 * `kubernetes.default.svc` can be reached without DNS). Each request is logged as `METHOD target proxy-auth`.
 */
export function forwardProxy(log: string[], route: (hostPort: string) => number): http.Server {
  const proxy = http.createServer((req, res) => {
    log.push(`${req.method} ${req.url} ${req.headers['proxy-authorization'] ?? ''}`);
    const u = new URL(req.url!);
    http.get({ host: '127.0.0.1', port: u.port, path: u.pathname, headers: { host: u.host } }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
  });
  proxy.on('connect', (req: http.IncomingMessage, socket: net.Socket) => {
    log.push(`CONNECT ${req.url} ${req.headers['proxy-authorization'] ?? ''}`);
    const up = net.connect(route(req.url!), '127.0.0.1', () => {
      socket.write('HTTP/1.1 200 Connection established\r\n\r\n');
      up.pipe(socket).pipe(up);
    });
    up.on('error', () => socket.destroy());
    socket.on('error', () => up.destroy());
  });
  return proxy;
}

import type http from 'node:http';
import { splitHostPort } from '../config/index.js';
import type { BuildEnv } from './components.js';
import { listenAddressOf } from './receivers/otlp-receiver.js';

/** Listen on a component's `endpoint` (`host:port`, `:port`) and record the bound port as `otelcol_<id>`. */
export async function listenComponent(server: http.Server, endpoint: string, id: string, env: Pick<BuildEnv, 'ports'>): Promise<void> {
  const { host, port } = splitHostPort(listenAddressOf(endpoint));
  await new Promise<void>((res, rej) => {
    server.once('error', rej);
    server.listen(port, host, () => res());
  });
  const addr = server.address();
  env.ports[`otelcol_${id.replace(/[^a-zA-Z0-9]/g, '_')}`] = typeof addr === 'object' && addr ? addr.port : port;
}

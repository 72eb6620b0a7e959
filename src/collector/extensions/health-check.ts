import http from 'node:http';
import * as z from 'zod';
import type { ExtensionFactory } from '../components.js';
import { listenComponent } from '../http-listen.js';

const schema = z.strictObject({
  endpoint: z.string().default('localhost:13133'),
  path: z.string().default('/'),
  check_collector_pipeline: z.looseObject({}).optional(),
  response_body: z.strictObject({ healthy: z.string().optional(), unhealthy: z.string().optional() }).optional(),
});

/** `health_check`: `GET <path>` on 13133 answers 200 `{"status":"Server available",...}` while the collector runs. */
export const healthCheckFactory: ExtensionFactory<typeof schema> = {
  type: 'health_check',
  schema,
  create(id, cfg, env) {
    let server: http.Server | undefined;
    const started = new Date().toISOString();
    let ready = false;
    return {
      async start() {
        server = http.createServer((req, res) => {
          if (req.url?.split('?')[0] !== cfg.path) {
            res.writeHead(404).end();
            return;
          }
          const body = ready
            ? (cfg.response_body?.healthy ?? JSON.stringify({ status: 'Server available', upSince: started, uptime: `${Math.round(process.uptime())}s` }))
            : (cfg.response_body?.unhealthy ?? JSON.stringify({ status: 'Server not available' }));
          res.writeHead(ready ? 200 : 503, { 'content-type': 'application/json' }).end(body);
        });
        await listenComponent(server, cfg.endpoint, id, env);
        ready = true;
      },
      async shutdown() {
        ready = false;
        await new Promise<void>((res) => (server ? server.close(() => res()) : res()));
      },
    };
  },
};

import type { FastifyInstance } from 'fastify';
import { HttpError, resolveTenant } from '../../../server/index.js';
import { negotiateProtocol } from './content-negotiation.js';
import { RemoteWriteIngester, type RemoteWriteDeps } from './remote-write-ingester.js';

export interface ReceiverRouteOptions {
  /** Status of a fully successful push: Mimir answers 200, Prometheus's receiver 204. */
  successStatus?: 200 | 204;
}

/**
 * Serve remote write 1.0 and 2.0 at `path` (Mimir: `/api/v1/push` on 8080; Prometheus: `/api/v1/write` on 9090).
 * Pass one `RemoteWriteIngester` to several routes so they share limits and self-metrics. Errors are plain text
 * with the status Mimir uses; 2.0 responses carry `X-Prometheus-Remote-Write-{Samples,Histograms,Exemplars}-Written`.
 */
export function registerRemoteWriteReceiver(app: FastifyInstance, path: string, deps: RemoteWriteDeps | RemoteWriteIngester, opts: ReceiverRouteOptions = {}): RemoteWriteIngester {
  const ingester = deps instanceof RemoteWriteIngester ? deps : new RemoteWriteIngester(deps);
  const ok = opts.successStatus ?? 200;
  void app.register(async (scope) => {
    // Raw bodies for this route only (other routes of the listener keep their parsers).
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: ingester.maxMessageSize }, (_req, body, done) => done(null, body));
    // Errors raised before the handler (body too large, aborted upload) in the same plain-text form.
    scope.setErrorHandler((err: { statusCode?: number; message: string }, _req, reply) => {
      const status = err.statusCode && err.statusCode >= 400 ? err.statusCode : 500;
      const msg =
        status === 413
          ? `the incoming push request has been rejected because its message size is larger than the allowed limit of ${ingester.maxMessageSize} bytes (err-mimir-distributor-max-write-message-size)`
          : err.message;
      return reply.code(status).type('text/plain; charset=utf-8').send(msg + '\n');
    });
    scope.post(path, async (req, reply) => {
      let version: 1 | 2 = 1;
      try {
        const tenant = resolveTenant(req.headers, ingester.deps.tenancy);
        version = negotiateProtocol(req.headers['content-type'], req.headers['content-encoding']);
        const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
        const res = await ingester.push(tenant, body, version);
        if (version === 2) {
          reply.header('X-Prometheus-Remote-Write-Samples-Written', String(res.samplesWritten));
          reply.header('X-Prometheus-Remote-Write-Histograms-Written', String(res.histogramsWritten));
          reply.header('X-Prometheus-Remote-Write-Exemplars-Written', String(res.exemplarsWritten));
        }
        if (res.partialError) return reply.code(400).type('text/plain; charset=utf-8').send(res.partialError + '\n');
        return reply.code(ok).send();
      } catch (e) {
        if (e instanceof HttpError) {
          if (version === 2) {
            for (const h of ['Samples', 'Histograms', 'Exemplars']) reply.header(`X-Prometheus-Remote-Write-${h}-Written`, '0');
          }
          return reply.code(e.status).type('text/plain; charset=utf-8').send(e.message + '\n');
        }
        req.log.error({ err: e }, 'remote write push failed');
        return reply.code(500).type('text/plain; charset=utf-8').send(`internal error: ${(e as Error).message}\n`);
      }
    });
  });
  return ingester;
}

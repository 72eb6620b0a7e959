import type { FastifyInstance } from 'fastify';
import { HttpError, resolveTenant, type TenancyOptions } from '../../server/index.js';
import type { TracesConsumer } from '../../otlp/index.js';
import { ThriftDecodeError, jaegerThriftToOtlp } from '../adapters/index.js';

/** The Jaeger collector's HTTP intake: `POST /api/traces` with a Thrift binary `Batch`; 202 on success. */
export function registerJaegerRoutes(app: FastifyInstance, opts: { store: TracesConsumer; tenancy: TenancyOptions }): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  app.post('/api/traces', async (req, reply) => {
    const ctype = String(req.headers['content-type'] ?? '').split(';')[0].trim();
    if (ctype !== 'application/x-thrift' && ctype !== 'application/vnd.apache.thrift.binary') {
      return reply.code(400).type('text/plain').send(`Unsupported content type: ${ctype}\n`);
    }
    try {
      const tenant = resolveTenant(req.headers, opts.tenancy);
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const out = await opts.store.pushTraces(tenant, { resourceSpans: jaegerThriftToOtlp(body) });
      if (out.rejected > 0) return reply.code(400).type('text/plain').send(`${out.message}\n`);
      return reply.code(202).send();
    } catch (e) {
      if (e instanceof ThriftDecodeError) return reply.code(400).type('text/plain').send(`Unable to process request body: ${e.message}\n`);
      if (e instanceof HttpError) return reply.code(e.status).type('text/plain').send(`${e.message}\n`);
      throw e;
    }
  });
}

import type { FastifyInstance } from 'fastify';
import { DecompressedTooLargeError, decompressBody } from '../../lib/decompress/index.js';

/** The largest span batch accepted after decompression. */
const ZIPKIN_MAX_DECOMPRESSED = 100 << 20;
import { HttpError, resolveTenant, type TenancyOptions } from '../../server/index.js';
import { OtlpDecodeError, type TracesConsumer } from '../../otlp/index.js';
import { ZipkinDecodeError, zipkinToOtlp } from '../adapters/index.js';

/** Zipkin's span intake: `POST /api/v2/spans` with a JSON array (optionally gzip); 202 on success, as Zipkin answers. */
export function registerZipkinRoutes(app: FastifyInstance, opts: { store: TracesConsumer; tenancy: TenancyOptions }): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  app.post('/api/v2/spans', async (req, reply) => {
    const ctype = String(req.headers['content-type'] ?? 'application/json').split(';')[0].trim();
    if (ctype !== 'application/json' && ctype !== 'text/plain') {
      return reply.code(415).type('text/plain').send(`unsupported content type ${JSON.stringify(ctype)}, expected application/json\n`);
    }
    try {
      const tenant = resolveTenant(req.headers, opts.tenancy);
      let body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      try {
        body = await decompressBody(body, String(req.headers['content-encoding'] ?? ''), ZIPKIN_MAX_DECOMPRESSED);
      } catch (e) {
        if (e instanceof DecompressedTooLargeError) return reply.code(413).type('text/plain').send(`${e.message}\n`);
        throw new ZipkinDecodeError((e as Error).message);
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(body.toString('utf8'));
      } catch (e) {
        throw new ZipkinDecodeError(`cannot parse JSON: ${(e as Error).message}`);
      }
      const out = await opts.store.pushTraces(tenant, { resourceSpans: zipkinToOtlp(parsed) });
      if (out.rejected > 0) return reply.code(400).type('text/plain').send(`${out.message}\n`);
      return reply.code(202).send();
    } catch (e) {
      if (e instanceof ZipkinDecodeError || e instanceof OtlpDecodeError) return reply.code(400).type('text/plain').send(`${e.message}\n`);
      if (e instanceof HttpError) return reply.code(e.status).type('text/plain').send(`${e.message}\n`);
      if ((e as Error).message?.includes('incorrect header check')) return reply.code(400).type('text/plain').send('invalid gzip body\n');
      throw e;
    }
  });
}

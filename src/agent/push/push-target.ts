import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { Registry } from 'prom-client';
import type * as LokiAdapters from '../../logs/adapters/index.js';
import type * as LokiModel from '../../logs/model/index.js';
import type { PushStream } from '../../logs/model/index.js';
import type { CompiledRelabel } from '../../metrics/relabel/index.js';
import type { Labels } from '../../model/index.js';
import { createHttpServer, listen } from '../../server/index.js';
import type { PromtailScrapeConfig } from '../config/promtail-schema.js';
import type { LogEntry } from '../entry.js';
import { finishLabels } from '../target-labels.js';

export type PushApiConfig = NonNullable<PromtailScrapeConfig['loki_push_api']>;

export interface PushTargetOptions {
  job: string;
  config: PushApiConfig;
  relabel: CompiledRelabel[];
  /** The job's pipeline. */
  handle: (e: LogEntry) => void;
  /** Back-pressure: resolves once the clients' backlog allows more entries. */
  ready: () => Promise<void> | undefined;
  logger: Logger;
  /** Overrides `server.http_listen_address:http_listen_port` (tests). */
  listenAddress?: string;
}

/**
 * Promtail's `loki_push_api` scrape config: a server of its own (`server.http_listen_port`) taking Loki pushes at
 * `/loki/api/v1/push` (JSON or snappy protobuf, decoded as Sightline's Loki decodes them) and newline-delimited text
 * at `/promtail/api/v1/raw`. Each pushed stream gets the configured `labels`, goes through the job's
 * `relabel_configs` (labels starting with `__` are removed afterwards), keeps its structured metadata, and its
 * entries enter the job's pipeline with their own time (`use_incoming_timestamp`) or the time of receipt. Raw lines
 * carry the configured labels only. As in Promtail the answer (204) means the entries were handed to the pipeline,
 * not that a Loki acknowledged them; while the clients' backlog is full the answer waits.
 */
export class PushTarget {
  private app: FastifyInstance | undefined;
  port: number | undefined;
  private readonly staticLabels: Record<string, string>;
  /** Loki's push decoders and label parser, imported by `start`: an agent without a push receiver does not load them. */
  private adapters!: typeof LokiAdapters;
  private model!: typeof LokiModel;

  constructor(private readonly opts: PushTargetOptions) {
    this.staticLabels = { ...opts.config.labels };
  }

  get job(): string {
    return this.opts.job;
  }

  /** The labels every entry gets before relabeling (for `/targets`). */
  get labels(): Record<string, string> {
    return this.staticLabels;
  }

  async start(): Promise<number> {
    [this.adapters, this.model] = await Promise.all([import('../../logs/adapters/index.js'), import('../../logs/model/index.js')]);
    const app = createHttpServer({ name: 'agent-push', listenAddress: '', logger: this.opts.logger, registry: new Registry() });
    void app.register(async (scope) => {
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
      scope.post('/loki/api/v1/push', (req, reply) => this.handleLoki(req, reply));
      scope.post('/promtail/api/v1/raw', (req, reply) => this.handleRaw(req, reply));
    });
    const s = this.opts.config.server;
    const addr = this.opts.listenAddress ?? `${s.http_listen_address === '' ? '0.0.0.0' : s.http_listen_address}:${s.http_listen_port}`;
    this.port = await listen(app, addr);
    this.app = app;
    this.opts.logger.info({ job: this.opts.job, port: this.port }, 'starting push server');
    return this.port;
  }

  private async handleLoki(req: FastifyRequest, reply: FastifyReply): Promise<unknown> {
    const { PushDecodeError, PushTooLargeError, UnsupportedContentEncodingError, decodePushBody } = this.adapters;
    const { LabelsParseError, parseStreamLabels } = this.model;
    let streams: PushStream[];
    try {
      streams = (await decodePushBody((req.body as Buffer | undefined) ?? Buffer.alloc(0), req.headers['content-type'], req.headers['content-encoding'] as string | undefined)).streams;
    } catch (e) {
      const status = e instanceof UnsupportedContentEncodingError ? 415 : e instanceof PushTooLargeError ? 413 : e instanceof PushDecodeError ? 400 : 500;
      this.opts.logger.warn({ err: e, job: this.opts.job }, 'failed to parse incoming push request');
      return reply.code(status).type('text/plain').send(`${(e as Error).message}\n`);
    }
    await this.opts.ready();
    const useTs = this.opts.config.use_incoming_timestamp;
    let lastErr: Error | undefined;
    for (const st of streams) {
      let parsed: Labels;
      try {
        parsed = parseStreamLabels(st.labels).labels;
      } catch (e) {
        if (!(e instanceof LabelsParseError)) throw e;
        lastErr = e;
        continue;
      }
      const labels = finishLabels({ ...parsed.toObject(), ...this.staticLabels }, this.opts.relabel);
      // Promtail answers 204 and skips the rest of the request when a stream is dropped; here only that stream is.
      if (!labels) continue;
      const now = Date.now();
      for (let i = 0; i < st.lines.length; i++) {
        let tsMs = now;
        let tsNs = 0;
        if (useTs) {
          const ns = st.ts[i];
          tsMs = Number(ns / 1_000_000n);
          tsNs = Number(ns % 1_000_000n);
          if (tsNs < 0) {
            tsMs -= 1;
            tsNs += 1_000_000;
          }
        }
        const meta = st.metadata?.[i];
        this.opts.handle({ labels, ownLabels: false, line: st.lines[i], tsMs, tsNs, ticket: undefined, structuredMetadata: meta ? Object.fromEntries(meta) : undefined });
      }
    }
    if (lastErr) {
      this.opts.logger.warn({ err: lastErr, job: this.opts.job }, 'at least one entry in the push request failed to process');
      return reply.code(400).type('text/plain').send(`${lastErr.message}\n`);
    }
    return reply.code(204).send();
  }

  private async handleRaw(req: FastifyRequest, reply: FastifyReply): Promise<unknown> {
    const body = ((req.body as Buffer | undefined) ?? Buffer.alloc(0)).toString('utf8');
    await this.opts.ready();
    const labels = this.staticLabels;
    for (const raw of body.split('\n')) {
      const line = raw.replace(/[\r\n]+$/, '');
      if (line === '') continue;
      this.opts.handle({ labels, ownLabels: false, line, tsMs: Date.now(), tsNs: 0, ticket: undefined });
    }
    return reply.code(204).send();
  }

  async stop(): Promise<void> {
    this.opts.logger.info({ job: this.opts.job }, 'stopping push server');
    await this.app?.close();
    this.app = undefined;
  }
}

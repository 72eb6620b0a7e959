import type { FastifyInstance } from 'fastify';
import * as z from 'zod';
import { ConfigError } from '../../config/index.js';
import type { ScrapeJobSink, StaticScrapeJob } from '../../metrics/index.js';
import { HttpError } from '../../server/index.js';
import { parseId, requireRole, type UiRouteContext } from './context.js';
import { parseBody } from './validation.js';

const duration = z.string().regex(/^(\d+(ms|s|m|h|d|w|y))+$/, 'a duration such as 15s or 1m');
const scrapeJob = z.strictObject({
  job_name: z.string().min(1).max(190),
  targets: z.array(z.string().min(1)).min(1, 'at least one target (host:port)'),
  labels: z.record(z.string(), z.string()).optional(),
  scrape_interval: duration.optional(),
  scrape_timeout: duration.optional(),
  metrics_path: z.string().startsWith('/').optional(),
  scheme: z.enum(['http', 'https']).optional(),
});

interface StoredJob {
  id: number;
  spec: StaticScrapeJob;
  updatedBy: string;
  updatedAt: number;
}

/**
 * Static scrape jobs kept in the UI's database and handed to this process's Prometheus role (merged with the
 * read-only `--prometheus.config` files, applied without a restart). Grafana-admin only, as Grafana's server
 * settings are. Without a Prometheus role in the process (`--target ui`) the API answers 501.
 */
export async function registerScrapeJobRoutes(app: FastifyInstance, c: UiRouteContext, sink: ScrapeJobSink | undefined): Promise<void> {
  const { db } = c.db;
  const all = async (): Promise<StoredJob[]> =>
    (await db.selectFrom('scrape_jobs').selectAll().orderBy('job_name').execute()).map((r) => ({ id: r.id, spec: JSON.parse(r.spec) as StaticScrapeJob, updatedBy: r.updated_by, updatedAt: Number(r.updated_at) }));
  /** Validate and apply the whole set before it is stored: a refused job leaves the running scrape config as it was. */
  const apply = (jobs: StaticScrapeJob[]): void => {
    if (!sink) throw new HttpError(501, 'not_implemented', 'no Prometheus role runs in this process: scrape jobs from the UI need the single-process default (--target all)');
    try {
      sink.set(jobs);
    } catch (e) {
      if (e instanceof ConfigError) throw new HttpError(400, 'bad_data', e.path ? `${e.path}: ${e.reason}` : e.reason);
      throw e;
    }
  };
  const view = (j: StoredJob) => ({ id: j.id, ...j.spec, updatedBy: j.updatedBy, updated: new Date(j.updatedAt).toISOString() });

  // The stored jobs start scraping with the process; one a prometheus.yml job now shadows is left out (logged).
  if (sink) {
    const stored = (await all()).map((j) => j.spec);
    const fileJobs = new Set(sink.fileJobNames());
    try {
      sink.set(stored.filter((j) => !fileJobs.has(j.job_name)));
    } catch (e) {
      c.logger.error({ component: 'ui', err: (e as Error).message }, 'stored scrape jobs are invalid; none applied');
    }
  }

  app.get('/api/sightline/scrape-jobs', async (req) => {
    requireRole(req, 'Admin');
    return { jobs: (await all()).map(view), fileJobs: sink?.fileJobNames() ?? [], available: sink !== undefined };
  });

  app.post('/api/sightline/scrape-jobs', async (req, reply) => {
    const me = requireRole(req, 'Admin');
    const spec = parseBody(scrapeJob, req.body);
    const jobs = await all();
    if (jobs.some((j) => j.spec.job_name === spec.job_name)) throw new HttpError(409, 'conflict', `scrape job ${JSON.stringify(spec.job_name)} already exists`);
    apply([...jobs.map((j) => j.spec), spec]);
    const now = Date.now();
    const row = await db.insertInto('scrape_jobs').values({ job_name: spec.job_name, spec: JSON.stringify(spec), updated_by: me.login, created_at: now, updated_at: now }).returning('id').executeTakeFirstOrThrow();
    c.logger.info({ component: 'ui', job: spec.job_name, user: me.login }, 'scrape job added');
    return reply.code(200).send({ message: 'Scrape job added', id: row.id });
  });

  app.put<{ Params: { id: string } }>('/api/sightline/scrape-jobs/:id', async (req) => {
    const me = requireRole(req, 'Admin');
    const id = parseId(req.params.id);
    const spec = parseBody(scrapeJob, req.body);
    const jobs = await all();
    if (!jobs.some((j) => j.id === id)) throw new HttpError(404, 'not_found', 'Scrape job not found');
    if (jobs.some((j) => j.id !== id && j.spec.job_name === spec.job_name)) throw new HttpError(409, 'conflict', `scrape job ${JSON.stringify(spec.job_name)} already exists`);
    apply(jobs.map((j) => (j.id === id ? spec : j.spec)));
    await db.updateTable('scrape_jobs').set({ job_name: spec.job_name, spec: JSON.stringify(spec), updated_by: me.login, updated_at: Date.now() }).where('id', '=', id).execute();
    c.logger.info({ component: 'ui', job: spec.job_name, user: me.login }, 'scrape job updated');
    return { message: 'Scrape job updated' };
  });

  app.delete<{ Params: { id: string } }>('/api/sightline/scrape-jobs/:id', async (req) => {
    const me = requireRole(req, 'Admin');
    const id = parseId(req.params.id);
    const jobs = await all();
    const gone = jobs.find((j) => j.id === id);
    if (!gone) throw new HttpError(404, 'not_found', 'Scrape job not found');
    apply(jobs.filter((j) => j.id !== id).map((j) => j.spec));
    await db.deleteFrom('scrape_jobs').where('id', '=', id).execute();
    c.logger.info({ component: 'ui', job: gone.spec.job_name, user: me.login }, 'scrape job removed');
    return { message: 'Scrape job removed' };
  });
}

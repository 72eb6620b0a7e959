import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import S3rver from 's3rver';
import { stringify } from 'yaml';
import { sightlineConfigSchema } from '../src/config/index.js';
import { startMimir, type MimirComponent } from '../src/metrics/mimir/index.js';
import { createSelfMetricsRegistry, silentLogger } from '../src/server/index.js';
import { S3ObjectStore } from '../src/storage/index.js';
import { tempDir, waitFor } from './helpers/process.js';

/**
 * Issue 13: Mimir's alertmanager storage. Tenant configurations and state live in the object store (an
 * S3-compatible server on loopback), so a second process on the same bucket with an empty data dir serves them.
 */
describe('tenant Alertmanager configurations and state in the object store', () => {
  let s3: S3rver;
  let endpoint: string;
  const running: MimirComponent[] = [];
  const s3cfg = () => ({ endpoint, bucket: 'am', access_key_id: 'S3RVER', secret_access_key: 'S3RVER', insecure: true, list_objects_version: 'v1' as const });

  beforeAll(async () => {
    s3 = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: tempDir('am-s3-'), configureBuckets: [{ name: 'am' }] });
    endpoint = `127.0.0.1:${(await s3.run()).port}`;
  });
  afterAll(async () => {
    for (const m of running) await m.stop();
    await s3?.close();
  });

  const start = async () => {
    const config = sightlineConfigSchema.parse({
      remote: { multitenancy_enabled: true },
      mimir: { listen_address: '127.0.0.1:0', alertmanager: { storage: { backend: 's3', s3: s3cfg() }, poll_interval: '200ms', persist_interval: '200ms' } },
    });
    const m = await startMimir({ config, dataDir: tempDir('am-proc-'), logger: silentLogger(), registry: createSelfMetricsRegistry() });
    running.push(m);
    const base = `http://127.0.0.1:${m.ports.mimir}`;
    const req = (path: string, init: RequestInit = {}) => fetch(`${base}${path}`, { ...init, headers: { 'X-Scope-OrgID': 'team-s', ...(init.headers as Record<string, string>) } });
    return { m, req };
  };
  const amConfig = (receiver: string) => `route:\n  receiver: ${receiver}\nreceivers:\n  - name: ${receiver}\n`;
  type Req = Awaited<ReturnType<typeof start>>['req'];
  const load = (req: Req, receiver: string) => req('/api/v1/alerts', { method: 'POST', headers: { 'content-type': 'application/yaml' }, body: stringify({ alertmanager_config: amConfig(receiver), template_files: {} }) });
  const receivers = async (req: Req) => ((await (await req('/alertmanager/api/v2/receivers')).json()) as { name: string }[]).map((r) => r.name);
  const silences = async (req: Req) => ((await (await req('/alertmanager/api/v2/silences')).json()) as { id: string; comment: string }[]);

  it('a second process with an empty data dir serves the configuration and silences another wrote, and follows later changes', async () => {
    const p1 = await start();
    expect((await load(p1.req, 'first')).status).toBe(201);
    const created = await p1.req('/alertmanager/api/v2/silences', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ matchers: [{ name: 'job', value: 'db', isRegex: false }], startsAt: new Date().toISOString(), endsAt: new Date(Date.now() + 3600_000).toISOString(), createdBy: 'ops', comment: 'maintenance' }),
    });
    expect(created.status).toBe(200);
    const { silenceID } = (await created.json()) as { silenceID: string };

    // Stored where Mimir keeps them: the configuration at alerts/<tenant>, the state at alertmanager/<tenant>/fullstate.
    const bucket = new S3ObjectStore(s3cfg());
    try {
      await waitFor(async () => (await bucket.exists('alertmanager/team-s/fullstate')) && (await bucket.get('alertmanager/team-s/fullstate')).toString().includes(silenceID), 10_000, 'state persisted');
      expect(await bucket.list('alerts/')).toEqual(['alerts/team-s']);
    } finally {
      bucket.close();
    }

    const p2 = await start();
    expect((await p2.req('/api/v1/alerts')).status).toBe(200);
    expect(await receivers(p2.req)).toEqual(['first']);
    expect((await silences(p2.req)).map((s) => [s.id, s.comment])).toEqual([[silenceID, 'maintenance']]);

    // A change made through process 1 reaches process 2 on its next poll of the store.
    expect((await load(p1.req, 'second')).status).toBe(201);
    await waitFor(async () => (await receivers(p2.req)).includes('second'), 10_000, 'process 2 follows the new configuration');
    // And a deletion.
    expect((await p1.req('/api/v1/alerts', { method: 'DELETE' })).status).toBe(200);
    await waitFor(async () => (await receivers(p2.req)).includes('empty-receiver'), 10_000, 'process 2 falls back after the delete');
    expect((await p2.req('/api/v1/alerts')).status).toBe(404);
  });
});

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { Counter, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { startAgent } from '../src/agent/index.js';
import { sightlineConfigSchema } from '../src/config/index.js';
import { WebConfig, setProcessWebConfig, silentLogger } from '../src/server/index.js';
import { freePort, tempDir, waitFor } from './helpers/process.js';

/** The agent's own server as Promtail's: `/ready` by target readiness, `/targets` and `/service-discovery` pages. */
describe('agent: self-monitoring pages', () => {
  it('/ready waits for a file to tail; /targets and /service-discovery show active and dropped targets', async () => {
    const dir = tempDir('agent-web-');
    const logs = join(dir, 'logs');
    mkdirSync(logs);
    const pushPort = await freePort();
    const file = join(dir, 'promtail.yaml');
    writeFileSync(
      file,
      `
server: {http_listen_port: 3101}
positions: {filename: ${join(dir, 'positions.yaml')}}
target_config: {sync_period: 100ms}
scrape_configs:
  - job_name: files
    static_configs:
      - labels: {job: varlogs, __path__: "${logs}/*.log"}
      - labels: {job: nopath}
  - job_name: Receiver
    loki_push_api:
      server: {http_listen_address: 127.0.0.1, http_listen_port: ${pushPort}}
      labels: {source: push}
`,
    );
    const config = sightlineConfigSchema.parse({ agent: { promtail_config_file: file, listen_address: '127.0.0.1:0' } });
    const comp = await startAgent({ config, dataDir: dir, logger: silentLogger(), registry: new Registry() });
    const base = `http://127.0.0.1:${comp.ports.agent}`;
    try {
      // The push receiver alone is a ready target; with health_check_target semantics the files job is not yet.
      let html = await waitFor(async () => {
        const h = await (await fetch(`${base}/targets`)).text();
        return h.includes('files (') ? h : undefined;
      }, 5_000, 'file target discovered');
      expect(html).toContain('files (0/1 ready)');
      expect(html).toContain('Receiver (1/1 ready)');
      // Jobs in code-unit order, as Go sorts them: "Receiver" before "files" (a locale's order puts it after).
      expect(html.indexOf('Receiver (')).toBeLessThan(html.indexOf('files ('));
      expect(html).toContain('source="push"');
      expect((await fetch(`${base}/ready`)).status).toBe(200);

      writeFileSync(join(logs, 'app.log'), 'hello\n');
      await waitFor(async () => (await (await fetch(`${base}/targets`)).text()).includes('files (1/1 ready)'), 5_000, 'file target ready');
      html = await (await fetch(`${base}/targets`)).text();
      expect(html).toContain(`job="varlogs"`);
      expect(html).toContain(`${join(logs, 'app.log')}:`);

      const json = (await (await fetch(`${base}/targets`, { headers: { accept: 'application/json' } })).json()) as Record<string, Array<{ type: string; ready: boolean; labels: Record<string, string>; files?: Record<string, number> }>>;
      expect(json.files[0]).toMatchObject({ type: 'File', ready: true, labels: { job: 'varlogs' } });
      expect(Object.keys(json.files[0].files!)).toEqual([join(logs, 'app.log')]);
      expect(json.Receiver[0]).toMatchObject({ type: 'Push', ready: true, labels: { source: 'push' }, details: { port: pushPort } });

      const sd = await (await fetch(`${base}/service-discovery`)).text();
      expect(sd).toContain('files (1 / 2 active targets)');
      expect(sd).toContain('Dropped: no path for target');
      expect(sd).toContain('job="nopath"');
      const sdJson = (await (await fetch(`${base}/service-discovery?format=json`)).json()) as { dropped: Array<{ job: string; reason: string }> };
      expect(sdJson.dropped).toEqual([expect.objectContaining({ job: 'files', reason: 'no path for target' })]);

      const root = await fetch(`${base}/`, { redirect: 'manual' });
      expect(root.status).toBe(303);
      expect(root.headers.get('location')).toBe('targets');
    } finally {
      await comp.stop();
    }
  }, 20_000);

  it('/ready answers 500 with Promtail text while no target has anything to tail', async () => {
    const dir = tempDir('agent-web-notready-');
    const file = join(dir, 'promtail.yaml');
    writeFileSync(file, `positions: {filename: ${join(dir, 'positions.yaml')}}\nscrape_configs:\n  - job_name: none\n    static_configs: [{labels: {job: x, __path__: "${dir}/nothing/*.log"}}]\n`);
    const config = sightlineConfigSchema.parse({ agent: { promtail_config_file: file, listen_address: '127.0.0.1:0' } });
    const comp = await startAgent({ config, dataDir: dir, logger: silentLogger(), registry: new Registry() });
    try {
      const r = await fetch(`http://127.0.0.1:${comp.ports.agent}/ready`);
      expect(r.status).toBe(500);
      expect(await r.text()).toBe('Not ready: Unable to find any logs to tail. Please verify permissions, volumes, scrape_config, etc.');
    } finally {
      await comp.stop();
    }
  });

  it("answers /metrics, 404 elsewhere, and applies the process's web configuration (basic auth) as the other listeners do", async () => {
    const dir = tempDir('agent-web-auth-');
    const file = join(dir, 'promtail.yaml');
    writeFileSync(file, `positions: {filename: ${join(dir, 'positions.yaml')}}\nscrape_configs: []\n`);
    const config = sightlineConfigSchema.parse({ agent: { promtail_config_file: file, listen_address: '127.0.0.1:0' } });
    const registry = new Registry();
    new Counter({ name: 'agent_web_test_total', help: 'a counter of this test', registers: [registry] }).inc(3);
    setProcessWebConfig(new WebConfig({ basic_auth_users: { admin: bcrypt.hashSync('secret', 4) } }));
    const comp = await startAgent({ config, dataDir: dir, logger: silentLogger(), registry });
    const base = `http://127.0.0.1:${comp.ports.agent}`;
    const auth = { authorization: `Basic ${Buffer.from('admin:secret').toString('base64')}` };
    try {
      const denied = await fetch(`${base}/metrics`);
      expect(denied.status).toBe(401);
      expect(denied.headers.get('www-authenticate')).toBe('Basic');
      expect((await fetch(`${base}/targets`, { headers: { authorization: `Basic ${Buffer.from('admin:wrong').toString('base64')}` } })).status).toBe(401);
      const m = await fetch(`${base}/metrics`, { headers: auth });
      expect(m.status).toBe(200);
      expect(m.headers.get('content-type')).toContain('text/plain');
      expect(await m.text()).toContain('agent_web_test_total 3');
      expect((await fetch(`${base}/nothing-here`, { headers: auth })).status).toBe(404);
      expect((await fetch(`${base}/targets`, { method: 'POST', headers: auth })).status).toBe(404);
    } finally {
      setProcessWebConfig(undefined);
      await comp.stop();
    }
  });
});

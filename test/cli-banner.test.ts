import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, spawnSightline, startedPorts, tempDir, waitFor } from './helpers/process.js';

/** Every listener on a free loopback port, so the test runs beside anything else on the machine. */
function portZeroConfig(dir: string): string {
  const file = join(dir, 'sightline.yaml');
  writeFileSync(
    file,
    [
      'metrics:\n  listen_address: 127.0.0.1:0',
      'mimir:\n  listen_address: 127.0.0.1:0',
      'logs:\n  listen_address: 127.0.0.1:0',
      'traces:\n  listen_address: 127.0.0.1:0\n  zipkin: { listen_address: "127.0.0.1:0" }\n  jaeger: { listen_address: "127.0.0.1:0" }',
      'otlp:\n  grpc_listen_address: 127.0.0.1:0\n  http_listen_address: 127.0.0.1:0',
      'ui:\n  listen_address: 127.0.0.1:0',
      'alertmanager:\n  listen_address: 127.0.0.1:0',
      '',
    ].join('\n'),
  );
  return file;
}

/** The JSON "Sightline started" record among lines that may also hold the banner (a terminal merges both). */
function startedRecord(text: string): { ports: Record<string, number> } | undefined {
  for (const line of text.split(/\r?\n/)) {
    const i = line.indexOf('{"level"');
    if (i < 0) continue;
    const rec = JSON.parse(line.slice(i)) as { msg?: string; ports?: Record<string, number> };
    if (rec.msg === 'Sightline started' && rec.ports) return { ports: rec.ports };
  }
  return undefined;
}

describe('start-up banner', () => {
  it('prints the URLs, the admin user and the password file when stdout is a terminal', async () => {
    const dir = tempDir();
    const config = portZeroConfig(dir);
    const data = join(dir, 'data');
    // util-linux `script` runs the CLI on a pseudo-terminal; `exec` keeps the shell's pid, printed first, for SIGTERM.
    const cmd = `echo PID=$$; exec ${process.execPath} --import tsx src/cli/main.ts --config.file ${config} --data-dir ${data}`;
    const env = { ...process.env, GF_SECURITY_ADMIN_PASSWORD: '', SIGHTLINE_ADMIN_PASSWORD: '', SIGHTLINE_BANNER: '' };
    const child = spawn('script', ['-qec', cmd, '/dev/null'], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
    try {
      const { ports } = await waitFor(() => (out.includes('Ctrl+C') ? startedRecord(out) : undefined), 30_000, 'the banner');
      const banner = out.slice(out.indexOf('Sightline '), out.indexOf('Ctrl+C'));
      expect(banner).toContain(`Web UI`);
      expect(banner).toMatch(new RegExp(`Web UI\\s+http://localhost:${ports.ui}\\r?\\n`));
      expect(banner).toMatch(new RegExp(`Prometheus API\\s+http://localhost:${ports.prometheus}\\r?\\n`));
      expect(banner).toMatch(new RegExp(`Loki API\\s+http://localhost:${ports.loki}\\r?\\n`));
      expect(banner).toMatch(new RegExp(`Tempo API\\s+http://localhost:${ports.tempo}\\r?\\n`));
      expect(banner).toMatch(new RegExp(`Alertmanager\\s+http://localhost:${ports.alertmanager}\\r?\\n`));
      expect(banner).toMatch(new RegExp(`OTLP gRPC\\s+localhost:${ports.otlp_grpc}\\r?\\n`));
      expect(banner).toContain('Sign in as "admin"');
      const pwFile = join(data, 'ui', 'initial-admin-password');
      expect(banner).toContain(`in ${pwFile}`);
      expect(existsSync(pwFile)).toBe(true);
      // The password in that file signs in.
      const password = readFileSync(pwFile, 'utf8').trim();
      const login = await fetch(`http://127.0.0.1:${ports.ui}/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user: 'admin', password }) });
      expect(login.status).toBe(200);
    } finally {
      const pid = /PID=(\d+)/.exec(out)?.[1];
      if (pid) process.kill(Number(pid), 'SIGTERM');
      else child.kill('SIGKILL');
      await exited;
    }
  }, 40_000);

  it('writes only JSON logs (on stderr) and nothing on stdout when stdout is not a terminal', async () => {
    const dir = tempDir();
    const s = spawnSightline(['--config.file', portZeroConfig(dir), '--data-dir', join(dir, 'data')], { SIGHTLINE_BANNER: '' });
    await startedPorts(s);
    s.child.kill('SIGTERM');
    expect(await s.exited).toBe(0);
    expect(s.stdout()).toBe('');
    for (const line of s.stderr().split('\n').filter(Boolean)) expect(() => JSON.parse(line) as unknown).not.toThrow();
  }, 40_000);
});

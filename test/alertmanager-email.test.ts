import { writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOurAlertmanager } from './helpers/alertmanager-peer.js';
import { tempDir, waitFor } from './helpers/process.js';

interface Received {
  from: string;
  to: string[];
  user: string | undefined;
  secure: boolean;
  raw: string;
}

/** An in-process SMTP server; `authOptional: false` demands AUTH PLAIN/LOGIN with alice/secret. */
async function startSmtp(opts: { requireAuth: boolean; starttls: boolean }) {
  const received: Received[] = [];
  const server = new SMTPServer({
    authOptional: !opts.requireAuth,
    allowInsecureAuth: true,
    disabledCommands: opts.starttls ? [] : ['STARTTLS'],
    logger: false,
    onAuth(auth, _session, cb) {
      if (auth.username === 'alice' && auth.password === 'secret') cb(null, { user: auth.username });
      else cb(new Error('Invalid username or password'));
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          user: session.user as string | undefined,
          secure: session.secure,
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        cb();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return { port, received, close: () => new Promise<void>((r) => server.close(() => r())) };
}

/** Joins quoted-printable soft breaks and decodes =XX escapes. */
const qp = (s: string) => s.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));

describe('email receiver over SMTP', () => {
  const dir = tempDir('am-email-');
  let plain: Awaited<ReturnType<typeof startSmtp>>;
  let tls: Awaited<ReturnType<typeof startSmtp>>;
  let am: Awaited<ReturnType<typeof startOurAlertmanager>>;

  beforeAll(async () => {
    plain = await startSmtp({ requireAuth: false, starttls: false });
    tls = await startSmtp({ requireAuth: true, starttls: true });
    writeFileSync(
      join(dir, 'alertmanager.yml'),
      `global:
  smtp_smarthost: '127.0.0.1:${tls.port}'
  smtp_from: 'alertmanager@example.org'
  smtp_auth_username: alice
  smtp_auth_password: secret
route:
  receiver: mail
  group_by: [alertname]
  group_wait: 100ms
  group_interval: 1s
  routes:
    - matchers: [team="plain"]
      receiver: plain-mail
    - matchers: [team="strict"]
      receiver: strict-mail
receivers:
  - name: mail
    email_configs:
      - to: 'oncall@example.org, boss@example.org'
        tls_config: { insecure_skip_verify: true }
        headers:
          X-Team: '{{ .CommonLabels.team }}'
        text: 'firing={{ .Alerts.Firing | len }}'
  - name: plain-mail
    email_configs:
      - to: 'ops@example.org'
        smarthost: '127.0.0.1:${plain.port}'
        require_tls: false
        headers:
          Subject: 'custom {{ .GroupLabels.alertname }}'
  - name: strict-mail
    email_configs:
      - to: 'ops@example.org'
        smarthost: '127.0.0.1:${plain.port}'
`,
    );
    am = await startOurAlertmanager(join(dir, 'data'), { config_file: join(dir, 'alertmanager.yml') });
  });
  afterAll(async () => {
    await am?.stop();
    await plain?.close();
    await tls?.close();
  });

  const post = (labels: Record<string, string>) =>
    fetch(`${am.url}/api/v2/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify([{ labels, annotations: { summary: 'disk full' } }]) });

  it('sends over STARTTLS with AUTH, the default subject and HTML body, templated headers and a text part', async () => {
    expect((await post({ alertname: 'DiskFull', team: 'db', instance: 'h1' })).status).toBe(200);
    await waitFor(() => tls.received.length >= 1, 10_000, 'email over STARTTLS');
    const m = tls.received[0]!;
    expect(m.secure).toBe(true);
    expect(m.user).toBe('alice');
    expect(m.from).toBe('alertmanager@example.org');
    expect(m.to.sort()).toEqual(['boss@example.org', 'oncall@example.org']);
    expect(m.raw).toMatch(/^Subject: \[FIRING:1\] DiskFull \(h1 db\)\r?$/m);
    expect(m.raw).toMatch(/^X-Team: db\r?$/m);
    expect(m.raw).toMatch(/^To: oncall@example\.org, boss@example\.org\r?$/m);
    expect(m.raw).toContain('multipart/alternative');
    const body = qp(m.raw);
    expect(body).toContain('firing=1');
    expect(body).toContain('<!DOCTYPE html>');
    expect(body).toContain('1 alert for alertname=DiskFull');
    expect(body).toContain('http://am.example:9093');
  });

  it('sends in plain text when require_tls is false and the server offers no STARTTLS, with a custom subject', async () => {
    expect((await post({ alertname: 'CpuHigh', team: 'plain' })).status).toBe(200);
    await waitFor(() => plain.received.length >= 1, 10_000, 'plain email');
    const m = plain.received[0]!;
    expect(m.secure).toBe(false);
    expect(m.user).toBe('alice'); // the global smtp_auth_* apply; AUTH over plain text to a loopback host, as Go's PlainAuth allows
    expect(m.to).toEqual(['ops@example.org']);
    expect(m.raw).toMatch(/^Subject: custom CpuHigh\r?$/m);
    expect(m.raw).toContain('text/html');
  });

  it('refuses a server without STARTTLS when require_tls is true, and counts the failure', async () => {
    expect((await post({ alertname: 'Strict', team: 'strict' })).status).toBe(200);
    const failed = async () => {
      const text = await (await fetch(`${am.url}/metrics`)).text();
      const m = /^alertmanager_notification_requests_failed_total\{integration="email"\} (\d+)/m.exec(text);
      return m ? Number(m[1]) : 0;
    };
    let n = 0;
    await waitFor(async () => (n = await failed()) >= 1, 10_000, 'failed email counted');
    expect(n).toBeGreaterThanOrEqual(1);
    expect(plain.received.some((m) => m.raw.includes('Strict'))).toBe(false);
  });
});

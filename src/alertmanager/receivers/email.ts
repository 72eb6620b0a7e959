import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { hostname } from 'node:os';
import type { Alert } from '../alert.js';
import type { EmailConfig } from '../config/schema.js';
import { NotifyError, type Integration, type NotificationContext } from '../notify/notifier.js';
import { templateData } from '../notify/template-data.js';
import { goTemplateData, type NotificationTemplate } from '../template/notification-template.js';

const DEFAULT_HTML = '{{ template "email.default.html" . }}';
const DEFAULT_SUBJECT = '{{ template "email.default.subject" . }}';

/** Reads a file's content for `*_file` settings. */
const readSecret = (f: string | undefined) => (f ? readFileSync(f, 'utf8').trim() : '');

/** Splits `host:port`, with IPv6 brackets. */
function splitHostPort(hp: string): { host: string; port: number } {
  const m = /^\[(.*)\]:(\d+)$/.exec(hp) ?? /^(.*):(\d+)$/.exec(hp);
  if (!m) throw new NotifyError(`invalid smarthost ${JSON.stringify(hp)}`, false);
  return { host: m[1]!, port: Number(m[2]) };
}

/**
 * `email_configs`: one message over SMTP as Alertmanager 0.25 sends it. Port 465 means TLS from the first byte;
 * otherwise STARTTLS when the server offers it, and `require_tls` (default true) refuses a server that does not.
 * Authentication with `auth_username` and `auth_password` (PLAIN/LOGIN) or `auth_secret` (CRAM-MD5) when set.
 * Headers, `to`, `from`, `html` and `text` are templates; Subject defaults to `email.default.subject`, the HTML
 * body to `email.default.html`, and a plain-text part is added only when `text` is set.
 */
export class EmailIntegration implements Integration {
  readonly name = 'email';
  readonly sendResolved: boolean;

  constructor(
    private readonly cfg: EmailConfig,
    readonly index: number,
    private readonly tmpl: NotificationTemplate,
  ) {
    this.sendResolved = cfg.send_resolved ?? false;
  }

  async notify(ctx: NotificationContext, alerts: readonly Alert[]): Promise<void> {
    const c = this.cfg;
    const data = goTemplateData(templateData(ctx.receiver, ctx.groupLabels, alerts, ctx.externalUrl, ctx.now));
    const t = (s: string | undefined) => this.tmpl.expand(s, data);
    const { host, port } = splitHostPort(c.smarthost ?? '');
    const from = t(c.headers.From ?? c.from);
    const to = t(c.headers.To ?? c.to);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries({ Subject: DEFAULT_SUBJECT, ...c.headers })) {
      if (k === 'From' || k === 'To') continue;
      headers[k] = t(v);
    }
    const subject = headers.Subject ?? '';
    delete headers.Subject;
    const html = t(c.html ?? DEFAULT_HTML);
    const text = c.text ? t(c.text) : undefined;

    const password = c.auth_password || readSecret(c.auth_password_file);
    const auth = c.auth_username
      ? c.auth_secret && !password
        ? { user: c.auth_username, pass: c.auth_secret, method: 'CRAM-MD5' }
        : { user: c.auth_username, pass: password }
      : undefined;
    const tls = c.tls_config;
    // Loaded with the first email: nodemailer and the built-in modules it requires are ~2 MB of heap (~13 MB
    // resident from node_modules) that every process running an Alertmanager — each Mimir role, `--target all` —
    // held whether or not a receiver sends email.
    const { createTransport } = await import('nodemailer');
    const transport = createTransport({
      host,
      port,
      secure: port === 465,
      requireTLS: c.require_tls ?? true,
      name: c.hello || hostname(),
      ...(auth ? { auth } : {}),
      tls: {
        rejectUnauthorized: !(tls?.insecure_skip_verify ?? false),
        ...(tls?.server_name || !isIP(host) ? { servername: tls?.server_name || host } : {}),
        ...(tls?.ca || tls?.ca_file ? { ca: tls.ca ?? readFileSync(tls.ca_file!, 'utf8') } : {}),
        ...(tls?.cert || tls?.cert_file ? { cert: tls.cert ?? readFileSync(tls.cert_file!, 'utf8') } : {}),
        ...(tls?.key || tls?.key_file ? { key: tls.key ?? readFileSync(tls.key_file!, 'utf8') } : {}),
      },
      connectionTimeout: 30_000,
    });
    const abort = () => transport.close();
    ctx.signal.addEventListener('abort', abort, { once: true });
    try {
      await transport.sendMail({
        from,
        to: to.split(',').map((a) => a.trim()).filter((a) => a !== ''),
        subject,
        headers,
        html,
        ...(text !== undefined ? { text } : {}),
        date: new Date(ctx.now),
      });
    } catch (e) {
      const err = e as Error & { responseCode?: number };
      // A permanent SMTP reply (5xx) will not change on retry; network and transient (4xx) failures may.
      const permanent = typeof err.responseCode === 'number' && err.responseCode >= 500 && err.responseCode < 600;
      throw new NotifyError(`send email to ${JSON.stringify(to)} via ${host}:${port}: ${err.message}`, !permanent);
    } finally {
      ctx.signal.removeEventListener('abort', abort);
      transport.close();
    }
  }
}

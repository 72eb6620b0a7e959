import { readFileSync } from 'node:fs';
import type { HttpConfig } from '../config/schema.js';
import { NotifyError } from '../notify/notifier.js';

export const USER_AGENT = 'Alertmanager/0.25.0';

/** Authorization headers from Prometheus's common HTTP client config. */
export function authHeaders(cfg: HttpConfig | undefined): Record<string, string> {
  if (!cfg) return {};
  const read = (f: string) => readFileSync(f, 'utf8').trim();
  if (cfg.basic_auth) {
    const pw = cfg.basic_auth.password ?? (cfg.basic_auth.password_file ? read(cfg.basic_auth.password_file) : '');
    return { authorization: `Basic ${Buffer.from(`${cfg.basic_auth.username}:${pw}`).toString('base64')}` };
  }
  if (cfg.authorization) {
    const cred = cfg.authorization.credentials ?? (cfg.authorization.credentials_file ? read(cfg.authorization.credentials_file) : '');
    return { authorization: `${cfg.authorization.type} ${cred}` };
  }
  if (cfg.bearer_token) return { authorization: `Bearer ${cfg.bearer_token}` };
  if (cfg.bearer_token_file) return { authorization: `Bearer ${read(cfg.bearer_token_file)}` };
  return {};
}

/**
 * POST a JSON body; a 2xx is success, a 5xx, one of `retryCodes` or a network error a retryable failure, anything
 * else final — Alertmanager's `Retrier` rule for its HTTP integrations.
 */
export function postJson(url: string, body: unknown, cfg: HttpConfig | undefined, signal: AbortSignal, retryCodes: readonly number[] = []): Promise<Response> {
  return post(url, 'application/json', JSON.stringify(body), cfg, signal, retryCodes);
}

/** POST `body` (none when undefined) with the given content type, judged as {@link postJson} does. */
export async function post(url: string, contentType: string, body: string | undefined, cfg: HttpConfig | undefined, signal: AbortSignal, retryCodes: readonly number[] = []): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': contentType, 'user-agent': USER_AGENT, ...authHeaders(cfg) },
      body,
      signal,
      redirect: cfg?.follow_redirects === false ? 'manual' : 'follow',
    });
  } catch (e) {
    throw new NotifyError(`Post "${redact(url)}": ${(e as Error).message}`, true);
  }
  if (res.status >= 200 && res.status < 300) return res;
  const text = await res.text().catch(() => '');
  throw new NotifyError(`unexpected status code ${res.status}: ${redact(url)}${text ? `: ${text.slice(0, 1024)}` : ''}`, res.status >= 500 || retryCodes.includes(res.status));
}

/** The URL without its query string, which may carry secrets (Pushover's token and user key). */
function redact(url: string): string {
  const q = url.indexOf('?');
  return q < 0 ? url : `${url.slice(0, q)}?<redacted>`;
}

import { readFileSync } from 'node:fs';
import type { HttpClientConfig } from '../promconfig/index.js';

function readSecret(file: string): string {
  return readFileSync(file, 'utf8').trim();
}

/**
 * The Authorization header an HTTP client config asks for. Like Prometheus, `bearer_token_file`,
 * `authorization.credentials_file` and the basic-auth files are read at every request, so rotated secrets apply
 * without a reload.
 */
export function authorizationHeader(cfg: Partial<Pick<HttpClientConfig, 'basic_auth' | 'authorization' | 'bearer_token' | 'bearer_token_file'>>): string | undefined {
  const b = cfg.basic_auth;
  if (b) {
    const user = b.username_file ? readSecret(b.username_file) : b.username;
    const pw = b.password_file ? readSecret(b.password_file) : (b.password ?? '');
    return `Basic ${Buffer.from(`${user}:${pw}`).toString('base64')}`;
  }
  const a = cfg.authorization;
  if (a) return `${a.type} ${a.credentials_file ? readSecret(a.credentials_file) : (a.credentials ?? '')}`;
  if (cfg.bearer_token) return `Bearer ${cfg.bearer_token}`;
  if (cfg.bearer_token_file) return `Bearer ${readSecret(cfg.bearer_token_file)}`;
  return undefined;
}

export { readSecret };

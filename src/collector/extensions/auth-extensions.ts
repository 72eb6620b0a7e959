import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import bcrypt from 'bcryptjs';
import * as z from 'zod';
import type { AuthExtension, ExtensionFactory } from '../components.js';

/** Header values as HTTP (Fastify) and gRPC metadata give them, names lower-cased. */
export type RequestHeaders = Record<string, string | string[] | undefined>;

const first = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);
const digest = (s: string) => createHash('sha256').update(s).digest();
const sameSecret = (a: string, b: string) => timingSafeEqual(digest(a), digest(b));

const basicSchema = z
  .strictObject({
    htpasswd: z.strictObject({ file: z.string().optional(), inline: z.string().optional() }).optional(),
    client_auth: z.strictObject({ username: z.string(), password: z.string() }).optional(),
  })
  .refine((c) => !(c.htpasswd && c.client_auth), 'either client_auth or htpasswd must be specified, not both');

/** `user:secret` lines of an htpasswd file; the secret is a bcrypt hash (`$2y$...`) or the plain password. */
function parseHtpasswd(text: string): Map<string, string> {
  const users = new Map<string, string>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const i = line.indexOf(':');
    if (i > 0) users.set(line.slice(0, i), line.slice(i + 1));
  }
  return users;
}

/**
 * `basicauth`: as a server authenticator, `Authorization: Basic` checked against `htpasswd` (`file` and `inline`
 * lines, plain passwords or bcrypt hashes, `inline` taking precedence; successful bcrypt checks cached); as a client authenticator, the
 * `client_auth` user name and password sent with every export.
 */
export const basicAuthFactory: ExtensionFactory<typeof basicSchema> = {
  type: 'basicauth',
  schema: basicSchema,
  create(id, cfg) {
    let users: Map<string, string> | undefined;
    const ok = new Set<string>();
    const load = () => {
      if (users) return users;
      const text = [cfg.htpasswd?.file ? readFileSync(cfg.htpasswd.file, 'utf8') : '', cfg.htpasswd?.inline ?? ''].join('\n');
      users = parseHtpasswd(text);
      return users;
    };
    const auth: AuthExtension = {
      async authenticate(headers) {
        const h = first(headers.authorization);
        if (!h || !/^basic /i.test(h)) return false;
        const decoded = Buffer.from(h.slice(6).trim(), 'base64').toString('utf8');
        const i = decoded.indexOf(':');
        if (i < 0) return false;
        const secret = load().get(decoded.slice(0, i));
        if (secret === undefined) return false;
        const password = decoded.slice(i + 1);
        if (!/^\$2[abxy]?\$/.test(secret)) return sameSecret(password, secret);
        const key = digest(`${decoded}\0${secret}`).toString('base64');
        if (ok.has(key)) return true;
        const good = await bcrypt.compare(password, secret);
        if (good) {
          if (ok.size > 10_000) ok.clear();
          ok.add(key);
        }
        return good;
      },
      clientHeaders() {
        if (!cfg.client_auth) throw new Error(`extension ${id}: client_auth is not configured, it cannot authenticate an exporter`);
        return { authorization: `Basic ${Buffer.from(`${cfg.client_auth.username}:${cfg.client_auth.password}`).toString('base64')}` };
      },
    };
    return {
      async start() {
        if (cfg.htpasswd) load();
      },
      async shutdown() {},
      auth,
    };
  },
};

const bearerSchema = z
  .strictObject({
    token: z.string().optional(),
    filename: z.string().optional(),
    scheme: z.string().default('Bearer'),
    header: z.string().default('Authorization'),
  })
  .refine((c) => c.token !== undefined || c.filename !== undefined, 'either token or filename must be set');

/**
 * `bearertokenauth`: `<header>: <scheme> <token>` (default `Authorization: Bearer ...`), the token inline or read
 * from `filename` (re-read when it changes, checked at most once a second); checked on receivers, sent by exporters.
 */
export const bearerTokenAuthFactory: ExtensionFactory<typeof bearerSchema> = {
  type: 'bearertokenauth',
  schema: bearerSchema,
  create(_id, cfg) {
    let cached: { token: string; at: number } | undefined;
    const token = (): string => {
      if (cfg.filename === undefined) return cfg.token!;
      if (!cached || Date.now() - cached.at > 1000) cached = { token: readFileSync(cfg.filename, 'utf8').trim(), at: Date.now() };
      return cached.token;
    };
    const expected = () => (cfg.scheme === '' ? token() : `${cfg.scheme} ${token()}`);
    const auth: AuthExtension = {
      async authenticate(headers) {
        const h = first(headers[cfg.header.toLowerCase()]);
        return h !== undefined && sameSecret(h, expected());
      },
      clientHeaders() {
        return { [cfg.header.toLowerCase()]: expected() };
      },
    };
    return {
      async start() {
        token();
      },
      async shutdown() {},
      auth,
    };
  },
};

import type { FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { HttpError } from '../../server/index.js';
import type { ApiKeyStore } from '../auth/api-key-store.js';
import type { Authenticator } from '../auth/authenticator.js';
import { roleAtLeast, type Role } from '../auth/roles.js';
import type { UserStore } from '../auth/user-store.js';
import type { DatasourceStore } from '../datasources/datasource-store.js';
import type { DatasourceUrlPolicy } from '../datasources/url-policy.js';
import type { UiDatabase } from '../db/open.js';
import type { SignedInUser } from './request-user.js';

/** What the UI's route modules share. */
export interface UiRouteContext {
  db: UiDatabase;
  users: UserStore;
  keys: ApiKeyStore;
  datasources: DatasourceStore;
  auth: Authenticator;
  logger: Logger;
  cookieName: string;
  cookieSecure: boolean;
  proxyTimeoutMs: number;
  /** Which datasource URLs server-side calls may reach (`ui.datasource_proxy.allowed_hosts`). */
  urlPolicy: DatasourceUrlPolicy;
  /** Records one proxied request (seconds until the upstream's headers). */
  observeProxy: (datasourceType: string, code: number, seconds: number) => void;
}

/** The signed-in user of a request, requiring at least `role` (403 otherwise). */
export function requireRole(req: FastifyRequest, role: Role): SignedInUser {
  const u = req.uiUser;
  if (!u) throw new HttpError(401, 'unauthorized', 'Unauthorized');
  if (!roleAtLeast(u.role, role)) throw new HttpError(403, 'forbidden', 'Permission denied');
  return u;
}

export function parseId(s: string): number {
  const n = Number(s);
  if (!Number.isInteger(n) || n <= 0) throw new HttpError(400, 'bad_data', 'id is invalid');
  return n;
}

import type { FastifyInstance } from 'fastify';
import * as z from 'zod';
import { HttpError } from '../../server/index.js';
import { ROLES } from '../auth/roles.js';
import type { UserRow } from '../auth/user-store.js';
import { parseId, requireRole, type UiRouteContext } from './context.js';
import { parseBody } from './validation.js';

const role = z.enum(ROLES, { message: 'invalid role: one of Viewer, Editor, Admin' });
const newUser = z.object({
  login: z.string().min(1).max(190).optional(),
  email: z.string().max(190).default(''),
  name: z.string().max(255).default(''),
  password: z.string().min(8, 'Password is too short (at least 8 characters)').max(1024),
  role: role.default('Viewer'),
});
const newServiceAccount = z.object({ name: z.string().min(1).max(190), role: role.default('Viewer'), isDisabled: z.boolean().default(false) });
const newToken = z.object({ name: z.string().min(1).max(190), secondsToLive: z.number().int().nonnegative().default(0) });
const newApiKey = z.object({ name: z.string().min(1).max(190), role: role.default('Viewer'), secondsToLive: z.number().int().nonnegative().default(0) });

const orgUser = (u: UserRow) => ({ orgId: 1, userId: u.id, email: u.email, name: u.name, login: u.login, role: u.role, lastSeenAt: '', isDisabled: u.disabled === 1 });
const serviceAccount = (u: UserRow, tokens: number) => ({ id: u.id, name: u.name, login: u.login, orgId: 1, isDisabled: u.disabled === 1, role: u.role, tokens });

/** Organisation, users, service accounts and their tokens, legacy API keys, and the (empty for now) search. */
export function registerAccountRoutes(app: FastifyInstance, c: UiRouteContext): void {
  const unique = async <T>(f: () => Promise<T>, what: string): Promise<T> => {
    try {
      return await f();
    } catch (e) {
      if (/unique|duplicate/i.test((e as Error).message)) throw new HttpError(409, 'conflict', `${what} already exists`);
      throw e;
    }
  };

  app.get('/api/org', async (req) => {
    requireRole(req, 'Viewer');
    return { id: 1, name: 'Main Org.', address: { address1: '', address2: '', city: '', zipCode: '', state: '', country: '' } };
  });
  app.get('/api/org/users', async (req) => {
    requireRole(req, 'Admin');
    return (await c.users.list(false)).map(orgUser);
  });
  app.patch('/api/org/users/:id', async (req) => {
    const me = requireRole(req, 'Admin');
    const id = parseId((req.params as { id: string }).id);
    const body = parseBody(z.object({ role }), req.body);
    if (id === me.id && body.role !== 'Admin') throw new HttpError(400, 'bad_data', 'Cannot change your own role');
    if (!(await c.users.setRole(id, body.role))) throw new HttpError(404, 'not_found', 'User not found');
    return { message: 'Organization user updated' };
  });
  app.post('/api/admin/users', async (req) => {
    requireRole(req, 'Admin');
    const b = parseBody(newUser, req.body);
    const login = b.login ?? b.email;
    if (!login) throw new HttpError(400, 'bad_data', 'bad request data: login or email is required');
    const u = await unique(() => c.users.create({ login, email: b.email, name: b.name || login, password: b.password, role: b.role }), 'user with the same login or email');
    return { id: u.id, uid: String(u.id), message: 'User created' };
  });
  app.delete('/api/admin/users/:id', async (req) => {
    const me = requireRole(req, 'Admin');
    const id = parseId((req.params as { id: string }).id);
    if (id === me.id) throw new HttpError(400, 'bad_data', 'Cannot delete yourself');
    if (!(await c.users.delete(id))) throw new HttpError(404, 'not_found', 'User not found');
    return { message: 'User deleted' };
  });

  app.get('/api/serviceaccounts/search', async (req) => {
    requireRole(req, 'Admin');
    const sas = await c.users.list(true);
    const keys = await c.keys.list();
    const list = sas.map((u) => serviceAccount(u, keys.filter((k) => k.userId === u.id).length));
    return { totalCount: list.length, serviceAccounts: list, page: 1, perPage: list.length };
  });
  app.post('/api/serviceaccounts', async (req, reply) => {
    requireRole(req, 'Admin');
    const b = parseBody(newServiceAccount, req.body);
    const login = 'sa-' + b.name.toLowerCase().replace(/[^a-z0-9_-]+/g, '-');
    const u = await unique(() => c.users.create({ login, name: b.name, role: b.role, isServiceAccount: true }), 'service account with the same name');
    return reply.code(201).send(serviceAccount(u, 0));
  });
  const serviceAccountById = async (idParam: string) => {
    const u = await c.users.byId(parseId(idParam));
    if (!u || u.is_service_account !== 1) throw new HttpError(404, 'not_found', 'service account not found');
    return u;
  };
  app.delete('/api/serviceaccounts/:id', async (req) => {
    requireRole(req, 'Admin');
    const u = await serviceAccountById((req.params as { id: string }).id);
    await c.users.delete(u.id);
    return { message: 'Service account deleted' };
  });
  app.get('/api/serviceaccounts/:id/tokens', async (req) => {
    requireRole(req, 'Admin');
    const u = await serviceAccountById((req.params as { id: string }).id);
    return (await c.keys.list(u.id)).map((k) => ({ id: k.id, name: k.name, created: new Date(k.created).toISOString(), expiration: k.expiration ? new Date(k.expiration).toISOString() : null, lastUsedAt: k.lastUsedAt ? new Date(k.lastUsedAt).toISOString() : null, hasExpired: k.expiration !== 0 && k.expiration <= Date.now() }));
  });
  app.post('/api/serviceaccounts/:id/tokens', async (req) => {
    requireRole(req, 'Admin');
    const u = await serviceAccountById((req.params as { id: string }).id);
    const b = parseBody(newToken, req.body);
    const k = await c.keys.create(u.id, b.name, b.secondsToLive);
    return { id: k.id, name: b.name, key: k.key };
  });
  app.delete('/api/serviceaccounts/:id/tokens/:tokenId', async (req) => {
    requireRole(req, 'Admin');
    const p = req.params as { id: string; tokenId: string };
    const u = await serviceAccountById(p.id);
    if (!(await c.keys.delete(parseId(p.tokenId), u.id))) throw new HttpError(404, 'not_found', 'token not found');
    return { message: 'Service account token deleted' };
  });

  // Legacy API keys: each is a token of its own service account, as Grafana migrated them.
  app.get('/api/auth/keys', async (req) => {
    requireRole(req, 'Admin');
    const sas = new Map((await c.users.list(true)).map((u) => [u.id, u]));
    return (await c.keys.list()).map((k) => ({ id: k.id, name: k.name, role: sas.get(k.userId)?.role ?? 'Viewer', expiration: k.expiration ? new Date(k.expiration).toISOString() : undefined }));
  });
  app.post('/api/auth/keys', async (req) => {
    requireRole(req, 'Admin');
    const b = parseBody(newApiKey, req.body);
    const u = await unique(() => c.users.create({ login: `sa-autogen-${b.name.toLowerCase().replace(/[^a-z0-9_-]+/g, '-')}`, name: b.name, role: b.role, isServiceAccount: true }), 'API key with the same name');
    const k = await c.keys.create(u.id, b.name, b.secondsToLive);
    return { id: k.id, name: b.name, key: k.key };
  });
  app.delete('/api/auth/keys/:id', async (req) => {
    requireRole(req, 'Admin');
    if (!(await c.keys.delete(parseId((req.params as { id: string }).id)))) throw new HttpError(404, 'not_found', 'API key not found');
    return { message: 'API key deleted' };
  });
}

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import * as z from 'zod';
import { HttpError } from '../../server/index.js';
import { verifyPassword } from '../auth/password.js';
import { readCookie, serializeCookie } from './cookies.js';
import { requireRole, type UiRouteContext } from './context.js';
import { parseBody } from './validation.js';

const loginBody = z.object({ user: z.string().max(255), password: z.string().max(1024) });
const passwordBody = z.object({ oldPassword: z.string(), newPassword: z.string().min(8, 'New password is too short (at least 8 characters)').max(1024) });

/** Sign-in, sign-out and the signed-in user's own endpoints. */
export function registerAuthRoutes(app: FastifyInstance, c: UiRouteContext): void {
  const login = async (req: FastifyRequest, reply: FastifyReply) => {
    const body = parseBody(loginBody, req.body);
    const user = await c.auth.checkPassword(body.user, body.password, req.ip);
    // Session rotation: whatever session the browser held before (another user's, or one an attacker planted) ends.
    const previous = readCookie(req.headers.cookie, c.cookieName);
    if (previous) await c.auth.endSession(previous);
    const s = await c.auth.startSession(user, req.ip, String(req.headers['user-agent'] ?? ''));
    reply.header('set-cookie', serializeCookie(c.cookieName, s.token, { secure: c.cookieSecure, maxAgeSeconds: (s.expiresAt - Date.now()) / 1000 }));
    c.logger.info({ component: 'ui', user: user.login, ip: req.ip }, 'user signed in');
    const host = (req.headers.host ?? '').replace(/:\d+$/, '');
    if (c.cookieSecure && req.protocol !== 'https' && req.headers['x-forwarded-proto'] !== 'https' && !['localhost', '127.0.0.1', '[::1]'].includes(host)) {
      c.logger.warn({ component: 'ui', host }, 'sign-in over plain HTTP with a Secure session cookie: browsers will not keep it; serve the UI over HTTPS or set ui.cookie_secure: false');
    }
    return { message: 'Logged in', redirectUrl: '/' };
  };
  app.post('/login', login);
  app.post('/api/login', login);

  const logout = async (req: FastifyRequest, reply: FastifyReply, redirect: boolean) => {
    // The cookie's session ends even when it no longer authenticates anyone (expired user, disabled account).
    const token = req.uiUser?.sessionToken ?? readCookie(req.headers.cookie, c.cookieName);
    if (token) await c.auth.endSession(token);
    reply.header('set-cookie', serializeCookie(c.cookieName, '', { secure: c.cookieSecure, maxAgeSeconds: 0 }));
    return redirect ? reply.redirect('/login', 303) : { message: 'Logged out' };
  };
  // Sign-out is a state change: POST only (the CSRF origin check applies), never a link another site can embed.
  // A plain HTML form posts it as application/x-www-form-urlencoded, accepted (and ignored) on this route only.
  void app.register(async (scope) => {
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, _body, done) => done(null, {}));
    scope.post('/logout', (req, reply) => logout(req, reply, true));
  });
  app.get('/logout', async (_req, reply) => reply.code(405).header('allow', 'POST').send({ message: 'Sign out with POST /logout' }));
  app.post('/api/logout', (req, reply) => logout(req, reply, false));

  app.get('/api/user', async (req) => {
    const u = requireRole(req, 'Viewer');
    return {
      id: u.id,
      uid: String(u.id),
      email: u.email,
      name: u.name,
      login: u.login,
      theme: '',
      orgId: 1,
      isGrafanaAdmin: u.role === 'Admin',
      isDisabled: false,
      isExternal: false,
      authLabels: [],
      role: u.role,
      authMethod: u.authMethod,
    };
  });

  app.put('/api/user/password', async (req, reply) => {
    const u = requireRole(req, 'Viewer');
    if (u.isServiceAccount) throw new HttpError(403, 'forbidden', 'Service accounts have no password');
    const body = parseBody(passwordBody, req.body);
    const row = await c.users.byId(u.id);
    if (!row || !(await verifyPassword(body.oldPassword, row.password_hash))) throw new HttpError(401, 'unauthorized', 'Invalid old password');
    await c.users.setPassword(u.id, body.newPassword);
    // Every other session of the user ends with the old password; this browser gets a fresh one.
    await c.auth.endAllSessions(u.id);
    if (u.sessionToken) {
      const s = await c.auth.startSession(row, req.ip, String(req.headers['user-agent'] ?? ''));
      reply.header('set-cookie', serializeCookie(c.cookieName, s.token, { secure: c.cookieSecure, maxAgeSeconds: (s.expiresAt - Date.now()) / 1000 }));
    }
    return { message: 'User password changed' };
  });
}

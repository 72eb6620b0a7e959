import { HttpError } from '../../server/index.js';
import type { SignedInUser } from '../http/request-user.js';
import type { ApiKeyStore } from './api-key-store.js';
import type { LoginLimiter } from './login-limiter.js';
import { DUMMY_HASH, verifyPassword } from './password.js';
import { isRole } from './roles.js';
import type { SessionStore } from './session-store.js';
import type { UserRow, UserStore } from './user-store.js';

export const INVALID_LOGIN = 'Invalid username or password';
export const LOGIN_BLOCKED = 'Too many consecutive incorrect login attempts for user - login for user temporarily blocked';

export function toSignedIn(u: UserRow, authMethod: SignedInUser['authMethod'], sessionToken?: string): SignedInUser {
  return {
    id: u.id,
    login: u.login,
    name: u.name,
    email: u.email,
    role: isRole(u.role) ? u.role : 'Viewer',
    isServiceAccount: u.is_service_account === 1,
    authMethod,
    sessionToken,
  };
}

/** Password sign-in with brute-force protection, and request authentication by session, token or basic auth. */
export class Authenticator {
  constructor(
    private readonly users: UserStore,
    private readonly sessions: SessionStore,
    private readonly keys: ApiKeyStore,
    private readonly limiter: LoginLimiter,
  ) {}

  /** Check a password. 429 while blocked (even for the right password), 401 when wrong. */
  async checkPassword(login: string, password: string, clientIp: string): Promise<UserRow> {
    // Keyed by user *and* address (and by address alone, more leniently): a stranger failing as `admin` delays only
    // their own address, never the admin signing in from elsewhere.
    const keys = [`user:${login.toLowerCase()}@${clientIp}`, `ip:${clientIp}`];
    const blockedMs = await this.limiter.blockedFor(keys);
    if (blockedMs > 0) throw Object.assign(new HttpError(429, 'too_many_requests', LOGIN_BLOCKED), { retryAfterSeconds: Math.ceil(blockedMs / 1000) });
    const user = login === '' ? undefined : await this.users.byLoginOrEmail(login);
    const usable = user && user.is_service_account === 0 && user.disabled === 0 && user.password_hash !== '';
    // Spend the same scrypt time whether or not the user exists.
    const ok = await verifyPassword(password, usable ? user.password_hash : DUMMY_HASH);
    if (!usable || !ok) {
      await this.limiter.recordFailure(keys);
      throw new HttpError(401, 'unauthorized', INVALID_LOGIN);
    }
    await this.limiter.recordSuccess([keys[0]]);
    return user;
  }

  async startSession(user: UserRow, clientIp: string, userAgent: string) {
    return this.sessions.create(user.id, clientIp, userAgent);
  }

  async endSession(token: string) {
    await this.sessions.revoke(token);
  }

  async endAllSessions(userId: number) {
    await this.sessions.revokeUser(userId);
  }

  /** The user of a request, from the session cookie, a Bearer token or Basic credentials; undefined when none. */
  async authenticate(opts: { sessionToken?: string; authorization?: string; clientIp: string }): Promise<SignedInUser | undefined> {
    const auth = opts.authorization;
    if (auth) {
      const sp = auth.indexOf(' ');
      const scheme = auth.slice(0, sp).toLowerCase();
      const value = auth.slice(sp + 1).trim();
      if (scheme === 'bearer') {
        const userId = await this.keys.lookup(value);
        const u = userId !== undefined ? await this.users.byId(userId) : undefined;
        if (!u) throw new HttpError(401, 'unauthorized', 'Invalid API key');
        return toSignedIn(u, 'token');
      }
      if (scheme === 'basic') {
        const dec = Buffer.from(value, 'base64').toString('utf8');
        const i = dec.indexOf(':');
        if (i < 0) throw new HttpError(401, 'unauthorized', INVALID_LOGIN);
        const u = await this.checkPassword(dec.slice(0, i), dec.slice(i + 1), opts.clientIp);
        return toSignedIn(u, 'basic');
      }
      throw new HttpError(401, 'unauthorized', 'unsupported authorization scheme');
    }
    if (opts.sessionToken) {
      const userId = await this.sessions.lookup(opts.sessionToken);
      const u = userId !== undefined ? await this.users.byId(userId) : undefined;
      if (u && u.disabled === 0) return toSignedIn(u, 'session', opts.sessionToken);
    }
    return undefined;
  }
}

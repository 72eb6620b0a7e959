import type { Role } from '../auth/roles.js';

/** Who made a request, after authentication. */
export interface SignedInUser {
  id: number;
  login: string;
  name: string;
  email: string;
  role: Role;
  isServiceAccount: boolean;
  authMethod: 'session' | 'token' | 'basic';
  /** The session token when authenticated by cookie (for logout). */
  sessionToken?: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    uiUser?: SignedInUser;
  }
}

import { TENANT_ID_RE } from '../config/index.js';
import { HttpError } from './errors.js';
import { principalOf } from './tenant-auth.js';

/** The default tenant of each original system when multi-tenancy is off. */
export const DEFAULT_TENANT = { mimir: 'anonymous', loki: 'fake', tempo: 'single-tenant' } as const;

export const TENANT_HEADER = 'x-scope-orgid';

export interface TenancyOptions {
  /** When on, requests must carry `X-Scope-OrgID`. */
  multiTenant: boolean;
  /** Used when multi-tenancy is off. */
  defaultTenant: string;
}

/**
 * The tenant of a request, as Mimir/Loki/Tempo resolve it: the `X-Scope-OrgID` header when multi-tenancy is on
 * (401 "no org id" when missing, 400 when invalid); the component's default tenant when it is off. When the request
 * authenticated with a tenant token (`tenant-auth.ts`), the tenant is the token's, and a header naming any tenant the
 * token does not carry is refused with 403.
 */
export function resolveTenant(headers: Record<string, string | string[] | undefined>, opts: TenancyOptions): string {
  const principal = principalOf(headers);
  if (!opts.multiTenant) return opts.defaultTenant;
  const raw = headers[TENANT_HEADER];
  let id = Array.isArray(raw) ? raw[0] : raw;
  if (principal) {
    // With tenant tokens, the tenant comes from the credential: the header may only narrow to one of its tenants.
    if (id === undefined || id === '') {
      if (principal.tenants.length !== 1) throw new HttpError(400, 'bad_data', `credential ${JSON.stringify(principal.name)} has several tenants: set X-Scope-OrgID to one of them`);
      id = principal.tenants[0];
    }
    for (const t of id.split('|')) {
      if (!principal.tenants.includes(t)) throw new HttpError(403, 'forbidden', `credential ${JSON.stringify(principal.name)} may not access tenant ${JSON.stringify(t)}`);
    }
  }
  if (id === undefined || id === '') throw new HttpError(401, 'unauthorized', 'no org id');
  if (id.includes('|')) throw new HttpError(400, 'bad_data', 'multiple org IDs are not supported for this request');
  if (!TENANT_ID_RE.test(id) || id === '.' || id === '..') throw new HttpError(400, 'bad_data', `tenant ID is invalid: ${JSON.stringify(id)}`);
  return id;
}

import { HttpError } from './errors.js';

/** The default tenant of each original system when multi-tenancy is off. */
export const DEFAULT_TENANT = { mimir: 'anonymous', loki: 'fake', tempo: 'single-tenant' } as const;

export const TENANT_HEADER = 'x-scope-orgid';

export interface TenancyOptions {
  /** When on, requests must carry `X-Scope-OrgID`. */
  multiTenant: boolean;
  /** Used when multi-tenancy is off. */
  defaultTenant: string;
}

const TENANT_RE = /^[a-zA-Z0-9!\-_.*'()]{1,150}$/;

/**
 * The tenant of a request, as Mimir/Loki/Tempo resolve it: the `X-Scope-OrgID` header when multi-tenancy is on
 * (401 "no org id" when missing, 400 when invalid); the component's default tenant when it is off.
 */
export function resolveTenant(headers: Record<string, string | string[] | undefined>, opts: TenancyOptions): string {
  if (!opts.multiTenant) return opts.defaultTenant;
  const raw = headers[TENANT_HEADER];
  const id = Array.isArray(raw) ? raw[0] : raw;
  if (id === undefined || id === '') throw new HttpError(401, 'unauthorized', 'no org id');
  if (id.includes('|')) throw new HttpError(400, 'bad_data', 'multiple org IDs are not supported for this request');
  if (!TENANT_RE.test(id) || id === '.' || id === '..') throw new HttpError(400, 'bad_data', `tenant ID is invalid: ${JSON.stringify(id)}`);
  return id;
}

import type { Kysely } from 'kysely';
import type { AuditLogTable, Database } from '../db/schema.js';

export type AuditEntry = Omit<AuditLogTable, 'id'>;
export type AuditRow = AuditEntry & { id: number };

/** API collections and the resource kind an audit entry names, longest prefix first. */
const RESOURCES: [prefix: string, resource: string][] = [
  ['/api/v1/provisioning/alert-rules', 'rule'],
  ['/api/v1/provisioning/contact-points', 'contact-point'],
  ['/api/v1/provisioning/policies', 'notification-policy'],
  ['/api/v1/provisioning/mute-timings', 'mute-timing'],
  ['/api/v1/provisioning/templates', 'template'],
  ['/api/ruler/', 'rule'],
  ['/api/alertmanager/', 'alertmanager'],
  ['/api/sightline/tenant-tokens', 'tenant-token'],
  ['/api/sightline/scrape-jobs', 'scrape-job'],
  ['/api/datasources', 'datasource'],
  ['/api/dashboards', 'dashboard'],
  ['/api/folders', 'folder'],
  ['/api/admin/users', 'user'],
  ['/api/org/users', 'user'],
  ['/api/user/password', 'user'],
  ['/api/serviceaccounts', 'serviceaccount'],
  ['/api/auth/keys', 'api-key'],
];

/** Changes that are not administration: queries through the proxy, sign-in/out, a user's own stars and preferences. */
const NOT_AUDITED = [/^\/api\/datasources\/proxy\//, /^\/api\/ds\/query/, /^\/api\/(login|logout)$/, /^\/api\/user\/(stars|preferences)/, /^\/api\/frontend-metrics/, /\/api\/v1\/(query|query_range|series|labels)$/];

const CHANGES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * What an API request changes, or undefined when it is not an audited change: the resource kind and which one
 * (the path below the collection, else the id the answer names, as for a create).
 */
export function auditTarget(method: string, path: string, answer: unknown): { resource: string; resourceId: string } | undefined {
  if (!CHANGES.has(method) || !path.startsWith('/api/') || NOT_AUDITED.some((re) => re.test(path))) return undefined;
  const hit = RESOURCES.find(([prefix]) => path.startsWith(prefix));
  const resource = hit?.[1] ?? path.split('/')[2] ?? 'api';
  let resourceId = hit ? path.slice(hit[0].length).replace(/^\/+/, '') : path.slice(5);
  // A create (`POST /api/datasources`, `/api/dashboards/db`, `/api/dashboards/import`): the id is in the answer.
  if ((resourceId === '' || resourceId === 'db' || resourceId === 'import') && answer && typeof answer === 'object') {
    const a = answer as Record<string, unknown>;
    const named = a.uid ?? (a.datasource as Record<string, unknown> | undefined)?.uid ?? a.id ?? a.name;
    if (typeof named === 'string' || typeof named === 'number') resourceId = String(named);
  }
  return { resource, resourceId: resourceId.slice(0, 255) };
}

/** The UI database's audit log of admin actions: append-only through the API, newest first when read. */
export class AuditLog {
  constructor(private readonly db: Kysely<Database>) {}

  async record(e: AuditEntry): Promise<void> {
    await this.db.insertInto('audit_log').values(e).execute();
  }

  /** Newest first; filtered by user login or resource kind; `before` pages by id. */
  async list(opts: { limit: number; user?: string; resource?: string; before?: number }): Promise<AuditRow[]> {
    let q = this.db.selectFrom('audit_log').selectAll();
    if (opts.user) q = q.where('user_login', '=', opts.user);
    if (opts.resource) q = q.where('resource', '=', opts.resource);
    if (opts.before) q = q.where('id', '<', opts.before);
    return (await q.orderBy('id', 'desc').limit(opts.limit).execute()) as AuditRow[];
  }

}

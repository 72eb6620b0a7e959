/** Calls to Sightline's UI API (same origin; the session cookie rides along). */

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly body: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export async function apiFetch<T>(path: string, init: RequestInit = {}): Promise<T> {
  const headers = new Headers(init.headers);
  if (init.body !== undefined && typeof init.body === 'string' && !headers.has('content-type')) headers.set('content-type', 'application/json');
  const res = await fetch(path, { ...init, headers, credentials: 'same-origin' });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    /* plain text */
  }
  if (res.status === 401 && !path.endsWith('/login') && location.pathname !== '/login') {
    location.assign(`/login?redirect=${encodeURIComponent(location.pathname + location.search)}`);
  }
  if (!res.ok) {
    const b = body as { message?: string; error?: string } | undefined;
    throw new ApiError(res.status, b?.error ?? b?.message ?? (typeof body === 'string' && body ? body : `HTTP ${res.status}`), body);
  }
  return body as T;
}

export interface User {
  id: number;
  login: string;
  name: string;
  email: string;
  role: 'Admin' | 'Editor' | 'Viewer';
  isGrafanaAdmin: boolean;
}

export interface Datasource {
  id: number;
  uid: string;
  name: string;
  type: string;
  typeName: string;
  url: string;
  access: string;
  isDefault: boolean;
  basicAuth: boolean;
  basicAuthUser?: string;
  jsonData: Record<string, unknown>;
  secureJsonFields?: Record<string, boolean>;
  readOnly: boolean;
  version?: number;
}

export const getUser = () => apiFetch<User>('/api/user');
export const listDatasources = () => apiFetch<Datasource[]>('/api/datasources');
export const getDatasource = (uid: string) => apiFetch<Datasource>(`/api/datasources/uid/${encodeURIComponent(uid)}`);
export const proxyPath = (uid: string) => `/api/datasources/proxy/uid/${encodeURIComponent(uid)}`;

export { HttpError, badRequest, notFound, tooManyRequests, unauthorized } from './errors.js';
export { DEFAULT_TENANT, TENANT_HEADER, resolveTenant, type TenancyOptions } from './tenant.js';
export type { Component, ComponentContext } from './component.js';
export { createHttpServer, listen, registeredRoutes, type HttpServerOptions } from './http-server.js';
export { createLogger, silentLogger, type Logger } from './logger.js';
export { Registry, createSelfMetricsRegistry } from './self-metrics.js';
export { MemoryGuard, defaultMemoryLimit, processMemoryGuard, setProcessMemoryGuard, type MemoryState } from './memory-guard.js';
export { isWriteRequest } from './request-guards.js';
export { refuseUnread } from './refuse-unread.js';
export { browserWriteRefusal } from './browser-write-guard.js';
export { WebConfig, authorizeUpgrade, setProcessWebConfig, webConfigFor } from './web-config.js';
export {
  TENANT_SCOPES,
  TenantTokens,
  authenticateGrpc,
  bindPrincipal,
  hashTenantToken,
  principalOf,
  processTenantTokensInForce,
  requiredScope,
  setProcessTenantTokens,
  setTenantTokenSource,
  newTenantToken,
  tenantAuthInForce,
  type AuthDenial,
  type TenantPrincipal,
  type TenantScope,
  type TenantTokenEntry,
} from './tenant-auth.js';
export { processCorsOrigin, setCorsHeaders, setProcessCorsOrigin, type CorsOrigin } from './cors.js';

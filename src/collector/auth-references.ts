import { parseComponentId } from './config/component-id.js';

const AUTHENTICATOR_TYPES = new Set(['basicauth', 'bearertokenauth']);

/** Every `auth.authenticator` in a component's configuration, with its path below the component (`protocols.grpc.auth.authenticator`). */
function authenticatorRefs(cfg: unknown, path: string[] = []): { path: string; id: string }[] {
  if (cfg === null || typeof cfg !== 'object' || Array.isArray(cfg)) return [];
  const out: { path: string; id: string }[] = [];
  for (const [k, v] of Object.entries(cfg as Record<string, unknown>)) {
    if (k === 'auth' && v && typeof v === 'object' && typeof (v as { authenticator?: unknown }).authenticator === 'string')
      out.push({ path: [...path, 'auth', 'authenticator'].join('.'), id: (v as { authenticator: string }).authenticator });
    else out.push(...authenticatorRefs(v, [...path, k]));
  }
  return out;
}

/**
 * Refuse a receiver or exporter whose `auth.authenticator` names no configured authenticator extension, or one not
 * listed in `service.extensions` (as the Collector does at start), naming the YAML path.
 */
export function checkAuthenticators(
  components: Record<'receivers' | 'exporters' | 'extensions', ReadonlyMap<string, { type: string; cfg: unknown }>>,
  enabled: readonly string[],
  fail: (path: string, reason: string) => never,
): void {
  for (const kind of ['receivers', 'exporters'] as const) {
    for (const [cid, { cfg }] of components[kind]) {
      for (const ref of authenticatorRefs(cfg)) {
        const path = `${kind}.${cid}.${ref.path}`;
        const ext = components.extensions.get(ref.id);
        const parsed = parseComponentId(ref.id);
        const type = typeof parsed === 'string' ? undefined : parsed.type;
        if (!ext || !type || !AUTHENTICATOR_TYPES.has(ext.type))
          fail(path, `failed to resolve authenticator ${JSON.stringify(ref.id)}: authenticator not found (configure a basicauth or bearertokenauth extension)`);
        if (!enabled.includes(ref.id)) fail(path, `failed to resolve authenticator ${JSON.stringify(ref.id)}: the extension is not enabled in service.extensions`);
      }
    }
  }
}

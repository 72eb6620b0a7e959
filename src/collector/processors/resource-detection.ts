import { hostname, platform } from 'node:os';
import * as z from 'zod';
import type { ProcessorFactory } from '../components.js';
import { getAttr, resourcesOf, setAttr, toAnyValue } from '../pipeline/otlp-data.js';

const schema = z.strictObject({
  detectors: z.array(z.enum(['env', 'system'])).min(1),
  override: z.boolean().default(true),
  timeout: z.string().optional(),
  system: z.strictObject({ hostname_sources: z.array(z.enum(['os', 'dns'])).optional(), resource_attributes: z.looseObject({}).optional() }).optional(),
});

/** `OTEL_RESOURCE_ATTRIBUTES` (`k=v,k2=v2`, values percent-decoded), as the `env` detector reads it. */
export function parseResourceAttributesEnv(s: string | undefined): [string, string][] {
  if (!s) return [];
  return s
    .split(',')
    .map((kv) => kv.trim())
    .filter((kv) => kv.includes('='))
    .map((kv) => {
      const i = kv.indexOf('=');
      return [kv.slice(0, i).trim(), decodeURIComponent(kv.slice(i + 1).trim())];
    });
}

const OS_TYPE: Record<string, string> = { linux: 'linux', darwin: 'darwin', win32: 'windows', freebsd: 'freebsd', openbsd: 'openbsd', sunos: 'solaris', aix: 'aix' };

/**
 * `resourcedetection` with the `env` (OTEL_RESOURCE_ATTRIBUTES) and `system` (`host.name`, `os.type`) detectors,
 * detected once at start; `override: false` keeps attributes the data already has.
 */
export const resourceDetectionFactory: ProcessorFactory<typeof schema> = {
  type: 'resourcedetection',
  signals: ['traces', 'metrics', 'logs'],
  schema,
  create(_id, cfg, _signal, next) {
    const detected: [string, string][] = [];
    for (const d of cfg.detectors) {
      if (d === 'env') detected.push(...parseResourceAttributesEnv(process.env.OTEL_RESOURCE_ATTRIBUTES));
      else detected.push(['host.name', hostname()], ['os.type', OS_TYPE[platform()] ?? platform()]);
    }
    return {
      mutates: true,
      consume(data, client) {
        for (const r of resourcesOf(data)) for (const [k, v] of detected) if (cfg.override || !getAttr(r.attributes, k)) setAttr(r, k, toAnyValue(v));
        return next.consume(data, client);
      },
    };
  },
};

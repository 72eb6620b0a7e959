import { z } from 'zod';
import { byteSize } from '../zod-helpers.js';

export const serverSection = z.strictObject({
  log_level: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  log_format: z.enum(['json', 'logfmt']).default('json'),
  /**
   * Process-wide memory limit (resident set): above `memory_limit - memory_spike_limit` writes are refused with 503
   * and Retry-After, above `memory_limit` queries too. Default: 80% of the cgroup's or machine's memory, at most
   * V8's heap limit. `0` turns the guard off.
   */
  memory_limit: byteSize.optional(),
  /** Headroom below `memory_limit` (default 20% of it), as the Collector's `spike_limit_mib`. */
  memory_spike_limit: byteSize.optional(),
  /**
   * A web configuration file (Prometheus's `--web.config.file`: TLS, client certificates, basic auth users with
   * bcrypt hashes) applied to every listener of the process.
   */
  web_config_file: z.string().optional(),
  /**
   * Start even though a listener binds a non-loopback address without authentication. Off by default: such a
   * start is refused, naming the listener.
   */
  insecure_no_auth: z.boolean().default(false),
});

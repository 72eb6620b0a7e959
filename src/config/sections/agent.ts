import * as z from 'zod';
import { lazySchema } from '../lazy-schema.js';
import { listenAddress } from '../zod-helpers.js';

/** The log agent (Promtail's job): a promtail.yaml, used unchanged (also `--promtail.config`). */
export const agentSection = lazySchema(() => z.strictObject({
  promtail_config_file: z.string().optional(),
  /** Or the grafana/promtail Helm chart's values (`values-promtail.yaml`), rendered as the chart renders its config. */
  promtail_helm_values_file: z.string().optional(),
  /** Promtail's `-config.expand-env`: expand `${VAR}` in promtail.yaml. */
  promtail_config_expand_env: z.boolean().default(false),
  /** Overrides promtail.yaml's `server.http_listen_address`/`http_listen_port` (`/metrics`, `/ready`, `/targets`). */
  listen_address: listenAddress.optional(),
}));

export type AgentSectionConfig = z.output<typeof agentSection>;

import * as z from 'zod';
import { lazySchema } from './lazy-schema.js';
import { agentSection } from './sections/agent.js';
import { alertmanagerSection } from './sections/alertmanager.js';
import { logsSection } from './sections/logs.js';
import { metricsSection } from './sections/metrics.js';
import { mimirSection } from './sections/mimir.js';
import { remoteSection } from './sections/remote.js';
import { rulesSection } from './sections/rules.js';
import { otlpSection } from './sections/otlp.js';
import { serverSection } from './sections/server.js';
import { tracesSection } from './sections/traces.js';
import { uiSection } from './sections/ui.js';
import { collectorSection } from './sections/collector.js';

/**
 * Sightline's one configuration file (`--config.file sightline.yaml`). One section per component; every section
 * has defaults, so an empty file (or none) runs the single-process stack. Unknown keys are refused with their path.
 */
export const sightlineConfigSchema = lazySchema(() => z.strictObject({
  server: serverSection.prefault({}),
  metrics: metricsSection.prefault({}),
  remote: remoteSection.prefault({}),
  rules: rulesSection.prefault({}),
  mimir: mimirSection.prefault({}),
  logs: logsSection.prefault({}),
  traces: tracesSection.prefault({}),
  otlp: otlpSection.prefault({}),
  ui: uiSection.prefault({}),
  agent: agentSection.prefault({}),
  collector: collectorSection.prefault({}),
  alertmanager: alertmanagerSection.prefault({}),
}));

export type SightlineConfig = z.output<typeof sightlineConfigSchema>;

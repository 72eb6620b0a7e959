import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Stage } from './pipeline.js';
import type { StageConfig } from './stage-config.js';

export interface StageContext {
  registry: Registry;
  logger: Logger;
  job: string;
}

/** Build a job's stages from `pipeline_stages`. */
export function buildStages(cfgs: readonly StageConfig[], ctx: StageContext): Stage[] {
  return cfgs.map((c) => buildStage(c, ctx));
}

export function buildStage(c: StageConfig, _ctx: StageContext): Stage {
  const name = Object.keys(c)[0];
  throw new Error(`pipeline stage ${JSON.stringify(name)} is not supported yet`);
}

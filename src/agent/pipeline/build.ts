import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import { labelAllowStage, labelDropStage, labelsStage, outputStage, staticLabelsStage, structuredMetadataStage, tenantStage, timestampStage } from './action-stages.js';
import { dropStage, matchStage } from './filter-stages.js';
import { limitStage } from './limit-stage.js';
import { metricsStage } from './metrics-stage.js';
import { multilineStage } from './multiline-stage.js';
import { packStage } from './pack-stage.js';
import { criStage, decolorizeStage, dockerStage, jsonStage, logfmtStage, regexStage } from './parse-stages.js';
import type { Stage } from './pipeline.js';
import type { StageConfig } from './stage-config.js';
import { replaceStage, templateStage } from './transform-stages.js';

export interface StageContext {
  registry: Registry;
  logger: Logger;
  job: string;
  /** Called by a `limit` stage in wait mode (`drop: false`) with how long the job's readers have yet to wait. */
  onWaitLimiter?: (waitMs: () => number) => void;
}

const droppedCounters = new WeakMap<Registry, Counter<'reason'>>();

function droppedCounter(registry: Registry): Counter<'reason'> {
  let c = droppedCounters.get(registry);
  if (!c) {
    c = new Counter({ name: 'logentry_dropped_lines_total', help: 'A count of all log lines dropped as a result of a pipeline stage', labelNames: ['reason'], registers: [registry] });
    droppedCounters.set(registry, c);
  }
  return c;
}

/** A stage that cannot be built (unsupported, or a bad option found only when compiling it), with its YAML path. */
export class StageBuildError extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`${path}: ${reason}`);
    this.name = 'StageBuildError';
  }
}

/** Build a job's stages from `pipeline_stages`. */
export function buildStages(cfgs: readonly StageConfig[], ctx: StageContext, prefix = 'pipeline_stages'): Stage[] {
  return cfgs.map((c, i) => {
    const path = `${prefix}[${i}].${Object.keys(c)[0]}`;
    try {
      return buildStage(c, ctx, path);
    } catch (e) {
      if (e instanceof StageBuildError) throw e;
      throw new StageBuildError(path, (e as Error).message);
    }
  });
}

export function buildStage(c: StageConfig, ctx: StageContext, path = 'stage'): Stage {
  if ('docker' in c) return dockerStage();
  if (c.cri) return criStage(c.cri);
  if (c.json) return jsonStage(c.json);
  if (c.logfmt) return logfmtStage(c.logfmt);
  if (c.regex) return regexStage(c.regex);
  if (c.labels) return labelsStage(c.labels);
  if (c.static_labels) return staticLabelsStage(c.static_labels);
  if (c.labeldrop) return labelDropStage(c.labeldrop);
  if (c.labelallow) return labelAllowStage(c.labelallow);
  if (c.structured_metadata) return structuredMetadataStage(c.structured_metadata);
  if (c.tenant) return tenantStage(c.tenant);
  if (c.output) return outputStage(c.output);
  if (c.timestamp) return timestampStage(c.timestamp);
  if (c.drop) return dropStage(c.drop, droppedCounter(ctx.registry));
  if (c.match) return matchStage(c.match, buildStages(c.match.stages, ctx, `${path}.stages`), droppedCounter(ctx.registry));
  if (c.multiline) return multilineStage(c.multiline);
  if ('decolorize' in c) return decolorizeStage();
  if (c.metrics) return metricsStage(c.metrics, ctx.registry);
  if (c.pack) return packStage(c.pack);
  if (c.limit) return limitStage(c.limit, droppedCounter(ctx.registry), ctx.onWaitLimiter);
  if (c.template) return templateStage(c.template);
  if (c.replace) return replaceStage(c.replace);
  throw new Error('this stage is not supported by Sightline yet');
}

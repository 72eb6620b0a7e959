import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import * as z from 'zod';
import { ConfigError, validate } from '../../config/index.js';
import { ExpansionError, expandCollectorConfig } from './expand.js';

const componentMap = z.record(z.string(), z.unknown().nullable()).nullish().transform((v) => v ?? {});
const idList = z.array(z.string()).nullish().transform((v) => v ?? []);

const pipelineSchema = z.strictObject({
  receivers: idList,
  processors: idList,
  exporters: idList,
});

/** `service.telemetry`: the Collector's own logs and metrics (we serve the metrics on `metrics.address`). */
const telemetrySchema = z
  .strictObject({
    logs: z.looseObject({ level: z.string().optional() }).optional(),
    metrics: z
      .strictObject({
        level: z.enum(['none', 'basic', 'normal', 'detailed']).default('normal'),
        address: z.string().optional(),
        readers: z.array(z.unknown()).optional(),
      })
      .optional(),
    resource: z.record(z.string(), z.unknown()).optional(),
    traces: z.unknown().optional(),
  })
  .optional();

/** The OpenTelemetry Collector's configuration file, top level (components are validated by their factories). */
export const collectorConfigSchema = z.strictObject({
  receivers: componentMap,
  processors: componentMap,
  exporters: componentMap,
  connectors: componentMap,
  extensions: componentMap,
  service: z.strictObject({
    extensions: idList,
    pipelines: z.record(z.string(), pipelineSchema),
    telemetry: telemetrySchema,
  }),
});

export type CollectorConfig = z.output<typeof collectorConfigSchema>;
export type PipelineConfig = z.output<typeof pipelineSchema>;

/** Parse the Collector's YAML text, expand `${env:VAR}` references and validate the top level. */
export function parseCollectorConfig(text: string, file: string, env: NodeJS.ProcessEnv = process.env): CollectorConfig {
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length > 0) {
    const pos = doc.errors[0].linePos?.[0];
    throw new ConfigError(file, pos ? `line ${pos.line} column ${pos.col}` : '', doc.errors[0].message.split('\n')[0]);
  }
  let js: unknown;
  try {
    js = expandCollectorConfig(doc.toJS(), env);
  } catch (e) {
    if (e instanceof ExpansionError) throw new ConfigError(file, e.path, e.message);
    throw e;
  }
  return validate(collectorConfigSchema, js, file);
}

export function loadCollectorConfig(file: string, env: NodeJS.ProcessEnv = process.env): CollectorConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(file, '', `cannot read file: ${(e as Error).message}`);
  }
  return parseCollectorConfig(text, file, env);
}

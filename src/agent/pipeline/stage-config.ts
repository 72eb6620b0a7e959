import * as z from 'zod';
import { lazySchema } from '../../config/index.js';
import { goDuration } from '../config/go-duration.js';

/**
 * `pipeline_stages` as Promtail reads them: a list whose every item is a map with exactly one stage name. Each
 * stage's options carry Promtail's defaults; unknown stage names and unknown options are refused with their path.
 */

/** A string field that YAML may have typed as a number or boolean (Go reads it as text). */
const text = lazySchema(() => z.preprocess((v) => (typeof v === 'number' || typeof v === 'boolean' ? String(v) : v), z.string()));
/** `name: source` maps where an empty source means "the same name" (`labels: {app: }`). */
const nameMap = lazySchema(() => z.record(z.string(), text.nullable()).transform((m) => Object.fromEntries(Object.entries(m).map(([k, v]) => [k, v ?? '']))));
/** A stage given as `docker:` or `docker: {}`. */
const empty = lazySchema(() => z.strictObject({}).nullable());

const dockerStage = empty;
const criStage = lazySchema(() => z
  .strictObject({
    max_partial_lines: z.number().int().positive().default(100),
    max_partial_line_size: z.union([z.number().int().nonnegative(), z.string()]).default(0),
    max_partial_line_size_truncate: z.boolean().default(false),
  })
  .nullable()
  .transform((v) => v ?? { max_partial_lines: 100, max_partial_line_size: 0 as number | string, max_partial_line_size_truncate: false }));

const jsonStage = lazySchema(() => z.strictObject({
  expressions: nameMap.default({}),
  source: z.string().optional(),
  drop_malformed: z.boolean().default(false),
}));
const logfmtStage = lazySchema(() => z.strictObject({ mapping: nameMap, source: z.string().optional() }));
const regexStage = lazySchema(() => z.strictObject({ expression: z.string().min(1, 'expression is required'), source: z.string().optional() }));
const replaceStage = lazySchema(() => z.strictObject({ expression: z.string().min(1, 'expression is required'), source: z.string().optional(), replace: text.default('') }));
const templateStage = lazySchema(() => z.strictObject({ source: z.string().min(1, 'source is required'), template: z.string() }));
const labelsStage = nameMap;
const staticLabelsStage = lazySchema(() => z.record(z.string(), text.nullable()));
const labelListStage = lazySchema(() => z.array(z.string()));
const timestampStage = lazySchema(() => z.strictObject({
  source: z.string().min(1, 'source is required'),
  format: z.string().min(1, 'format is required'),
  fallback_formats: z.array(z.string()).default([]),
  location: z.string().optional(),
  action_on_failure: z.enum(['fudge', 'skip']).default('fudge'),
}));
const outputStage = lazySchema(() => z.strictObject({ source: z.string().min(1, 'source is required') }));
const dropStage = lazySchema(() => z.strictObject({
  source: z.union([z.string(), z.array(z.string())]).optional(),
  separator: z.string().default(';'),
  expression: z.string().optional(),
  value: text.optional(),
  older_than: goDuration.optional(),
  longer_than: z.union([z.number().int().nonnegative(), z.string()]).optional(),
  drop_counter_reason: z.string().default('drop_stage'),
}));
const multilineStage = lazySchema(() => z.strictObject({
  firstline: z.string().min(1, 'firstline is required'),
  max_wait_time: goDuration.default(3000),
  max_lines: z.number().int().positive().default(128),
}));
const tenantStage = lazySchema(() => z
  .strictObject({ source: z.string().optional(), value: z.string().optional(), label: z.string().optional() })
  .refine((t) => [t.source, t.value, t.label].filter((x) => x !== undefined).length === 1, 'exactly one of source, value or label must be set'));
const limitStage = lazySchema(() => z.strictObject({
  rate: z.number().positive(),
  burst: z.number().int().positive(),
  drop: z.boolean().default(false),
  by_label_name: z.string().optional(),
  max_distinct_labels: z.number().int().positive().default(10000),
}));
const packStage = lazySchema(() => z.strictObject({ labels: z.array(z.string()).min(1), ingest_timestamp: z.boolean().default(true) }));
const metricStage = lazySchema(() => z.strictObject({
  type: z.enum(['Counter', 'Gauge', 'Histogram', 'counter', 'gauge', 'histogram']),
  description: z.string().default(''),
  source: z.string().optional(),
  prefix: z.string().default('promtail_custom_'),
  max_idle_duration: goDuration.optional(),
  config: z.strictObject({
    value: z.string().optional(),
    action: z.string().optional(),
    match_all: z.boolean().optional(),
    count_entry_bytes: z.boolean().optional(),
    buckets: z.array(z.number()).optional(),
  }),
}));
const metricsStage = lazySchema(() => z.record(z.string(), metricStage));

export interface MatchStageConfig {
  selector: string;
  pipeline_name?: string;
  action: 'keep' | 'drop';
  drop_counter_reason: string;
  stages: StageConfig[];
}

/** One parsed item of `pipeline_stages`: exactly one of these keys is set. */
export interface StageConfig {
  docker?: z.output<typeof dockerStage>;
  cri?: z.output<typeof criStage>;
  json?: z.output<typeof jsonStage>;
  logfmt?: z.output<typeof logfmtStage>;
  regex?: z.output<typeof regexStage>;
  replace?: z.output<typeof replaceStage>;
  template?: z.output<typeof templateStage>;
  labels?: z.output<typeof labelsStage>;
  static_labels?: z.output<typeof staticLabelsStage>;
  structured_metadata?: z.output<typeof labelsStage>;
  labelallow?: string[];
  labeldrop?: string[];
  timestamp?: z.output<typeof timestampStage>;
  output?: z.output<typeof outputStage>;
  match?: MatchStageConfig;
  drop?: z.output<typeof dropStage>;
  multiline?: z.output<typeof multilineStage>;
  tenant?: z.output<typeof tenantStage>;
  limit?: z.output<typeof limitStage>;
  pack?: z.output<typeof packStage>;
  metrics?: z.output<typeof metricsStage>;
  decolorize?: z.output<typeof empty>;
}

export const STAGE_NAMES = [
  'docker', 'cri', 'json', 'logfmt', 'regex', 'replace', 'template', 'labels', 'static_labels', 'structured_metadata',
  'labelallow', 'labeldrop', 'timestamp', 'output', 'match', 'drop', 'multiline', 'tenant', 'limit', 'pack', 'metrics', 'decolorize',
] as const;

const matchStage: z.ZodType<MatchStageConfig, unknown> = lazySchema(() => z.lazy(() =>
  z.strictObject({
    selector: z.string().min(1, 'selector is required'),
    pipeline_name: z.string().optional(),
    action: z.enum(['keep', 'drop']).default('keep'),
    drop_counter_reason: z.string().default('match_stage'),
    stages: z.array(stageSchema).default([]),
  }),
) as unknown as z.ZodType<MatchStageConfig, unknown>);

export const stageSchema: z.ZodType<StageConfig, unknown> = lazySchema(() => z
  .strictObject({
    docker: dockerStage.optional(),
    cri: criStage.optional(),
    json: jsonStage.optional(),
    logfmt: logfmtStage.optional(),
    regex: regexStage.optional(),
    replace: replaceStage.optional(),
    template: templateStage.optional(),
    labels: labelsStage.optional(),
    static_labels: staticLabelsStage.optional(),
    structured_metadata: labelsStage.optional(),
    labelallow: labelListStage.optional(),
    labeldrop: labelListStage.optional(),
    timestamp: timestampStage.optional(),
    output: outputStage.optional(),
    match: matchStage.optional(),
    drop: dropStage.optional(),
    multiline: multilineStage.optional(),
    tenant: tenantStage.optional(),
    limit: limitStage.optional(),
    pack: packStage.optional(),
    metrics: metricsStage.optional(),
    decolorize: empty.optional(),
  })
  .superRefine((s, ctx) => {
    const n = Object.keys(s).length;
    if (n !== 1) ctx.addIssue({ code: 'custom', message: `pipeline stage must contain only one key, got ${n}` });
  }) as unknown as z.ZodType<StageConfig, unknown>);

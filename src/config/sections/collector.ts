import * as z from 'zod';
import { lazySchema } from '../lazy-schema.js';

/** The telemetry collector (`--target collector`, or inside `all` when a Collector configuration is given). */
export const collectorSection = lazySchema(() => z.strictObject({
  /** An OpenTelemetry Collector configuration file, used unchanged (`--otelcol.config`). */
  config_file: z.string().optional(),
}));

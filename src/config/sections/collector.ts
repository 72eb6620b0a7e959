import * as z from 'zod';

/** The telemetry collector (`--target collector`, or inside `all` when a Collector configuration is given). */
export const collectorSection = z.strictObject({
  /** An OpenTelemetry Collector configuration file, used unchanged (`--otelcol.config`). */
  config_file: z.string().optional(),
});

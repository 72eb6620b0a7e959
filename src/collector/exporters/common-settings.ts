import { z } from 'zod';

/** `tls`: `insecure` is honoured (plain text); certificates are accepted in the config for compatibility. */
export const tlsSettings = z
  .strictObject({
    insecure: z.boolean().default(false),
    insecure_skip_verify: z.boolean().default(false),
    ca_file: z.string().optional(),
    cert_file: z.string().optional(),
    key_file: z.string().optional(),
    server_name_override: z.string().optional(),
    min_version: z.string().optional(),
  })
  .prefault({});

export const headersSetting = z.record(z.string(), z.string()).nullish().transform((v) => v ?? {});

export const compressionSetting = z.enum(['gzip', 'none', '', 'zstd', 'snappy', 'deflate']).default('gzip');

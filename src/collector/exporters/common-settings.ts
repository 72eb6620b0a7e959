import * as z from 'zod';
import { authSchema } from '../transport-security.js';

/** `auth.authenticator`: a client authenticator extension (`basicauth/...`, `bearertokenauth/...`). */
export const authSetting = authSchema.optional();

/** `tls` (configtls.ClientConfig): `insecure` (plain text), `ca_file`, `cert_file`/`key_file`, `insecure_skip_verify`, `server_name_override`. */
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

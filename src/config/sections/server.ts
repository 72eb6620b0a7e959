import { z } from 'zod';

export const serverSection = z.strictObject({
  log_level: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  log_format: z.enum(['json', 'logfmt']).default('json'),
});

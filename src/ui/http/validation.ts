import type * as z from 'zod';
import { HttpError } from '../../server/index.js';

/** Validate a JSON body; a 400 with the first problem's path and message otherwise. */
export function parseBody<T extends z.ZodType>(schema: T, body: unknown): z.output<T> {
  const r = schema.safeParse(body ?? {});
  if (!r.success) {
    const i = r.error.issues[0];
    throw new HttpError(400, 'bad_data', `bad request data: ${i.path.length ? i.path.join('.') + ': ' : ''}${i.message}`);
  }
  return r.data;
}

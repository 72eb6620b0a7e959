import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The random identity of a WAL directory (created on first use). Segment numbers restart when the directory is
 * lost, so flush marks in index files name the WAL they mean.
 */
export function walIdentity(dir: string): string {
  const f = join(dir, 'wal-id');
  try {
    return readFileSync(f, 'utf8').trim();
  } catch {
    mkdirSync(dir, { recursive: true });
    const id = randomBytes(8).toString('hex');
    writeFileSync(f, id);
    return id;
  }
}

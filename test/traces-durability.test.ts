import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FilesystemObjectStore } from '../src/storage/index.js';
import { tempDir } from './helpers/process.js';
import { runTraceDurability } from './helpers/traces-durability.js';

describe('trace durability (filesystem storage)', () => {
  it('keeps every acknowledged span across kill -9, and serves traces from blocks after the WAL is gone', async () => {
    const dir = tempDir('sightline-traces-durable-');
    await runTraceDurability({
      dir,
      storageYaml: '',
      bucket: new FilesystemObjectStore(join(dir, 'data', 'objects')),
      wipe: [],
      afterFlush: () => expect(existsSync(join(dir, 'data', 'objects', 'tempo-traces', 'single-tenant'))).toBe(true),
    });
  }, 120_000);
});

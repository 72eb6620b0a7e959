import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import * as z from 'zod';
import type { ExtensionFactory } from '../components.js';
import { goDurationMs } from '../config/go-duration.js';
import { storageClientDir } from '../exporters/exporter-helper.js';

const schema = z.strictObject({
  /** Default: `<data-dir>/collector/file_storage` (the Collector's is /var/lib/otelcol/file_storage). */
  directory: z.string().optional(),
  timeout: goDurationMs.default(1000),
  fsync: z.boolean().default(false),
  create_directory: z.boolean().default(true),
  directory_permissions: z.string().optional(),
  compaction: z.looseObject({}).optional(),
});

/**
 * `file_storage`: a directory where persistent sending queues keep their write-ahead logs, one subdirectory per
 * client (`exporter_<id>_<signal>`). Every enqueued request is written before it is acknowledged (survives
 * `kill -9`); `fsync: true` also syncs each write (survives a machine crash), otherwise syncs once a second on the
 * thread pool (the event loop does not wait for it).
 */
export const fileStorageFactory: ExtensionFactory<typeof schema> = {
  type: 'file_storage',
  schema,
  create(id, cfg, env) {
    const root = cfg.directory ?? join(env.dataDir, 'collector', id.replace(/\//g, '_'));
    return {
      async start() {
        mkdirSync(root, { recursive: cfg.create_directory });
      },
      storage: {
        fsyncIntervalMs: cfg.fsync ? 0 : 1000,
        directoryFor: (kind, componentId, signal) => storageClientDir(root, kind, componentId, signal),
      },
    };
  },
};

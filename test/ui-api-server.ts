/**
 * The UI server alone over real HTTP for API tests, on SQLite or on a throw-away PostgreSQL cluster: the database
 * opened (migrations run), `createUiServer` with the admin password, listening on a loopback port 0.
 */
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { sightlineConfigSchema } from '../src/config/index.js';
import { createSelfMetricsRegistry, listen, silentLogger } from '../src/server/index.js';
import { createUiServer, openUiDatabase, type DatabaseOptions, type UiDatabase } from '../src/ui/index.js';
import { tempDir } from './helpers/process.js';
import { startPostgres, type PostgresServer } from './ui-peers.js';

export interface UiApiServer {
  app: FastifyInstance;
  db: UiDatabase;
  base: string;
  stop: () => Promise<void>;
}

/** `ui` is the `ui:` section of Sightline's config (listen address set here). */
export async function startUiApiServer(kind: 'sqlite' | 'postgres', adminPassword: string, ui: Record<string, unknown> = {}): Promise<UiApiServer> {
  let pgServer: PostgresServer | undefined;
  let dbOpts: DatabaseOptions = { type: 'sqlite', path: join(tempDir(), 'ui.db') };
  if (kind === 'postgres') {
    pgServer = await startPostgres();
    dbOpts = { type: 'postgres', host: pgServer.host, port: pgServer.port, database: pgServer.database, user: pgServer.user, password: pgServer.password };
  }
  const config = sightlineConfigSchema.parse({ ui: { ...ui, listen_address: '127.0.0.1:0' } }).ui;
  const db = await openUiDatabase(dbOpts);
  const app = await createUiServer({ config, db, secretKey: 'test-secret-key-0123456789', logger: silentLogger(), registry: createSelfMetricsRegistry(), env: { GF_SECURITY_ADMIN_PASSWORD: adminPassword }, staticDir: tempDir() });
  const base = `http://127.0.0.1:${await listen(app, '127.0.0.1:0')}`;
  return {
    app,
    db,
    base,
    stop: async () => {
      await app.close();
      await db.close();
      await pgServer?.stop();
    },
  };
}

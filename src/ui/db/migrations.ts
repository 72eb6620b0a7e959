import type { ColumnDefinitionBuilder, Kysely, Migration, MigrationProvider } from 'kysely';

export type SqlDialectName = 'sqlite' | 'postgres';

/**
 * The schema as ordered migrations, one definition for both databases: only the auto-increment key differs
 * (`integer primary key autoincrement` on SQLite, `serial` on PostgreSQL).
 */
export function uiMigrations(dialect: SqlDialectName): MigrationProvider {
  const idType = dialect === 'postgres' ? 'serial' : 'integer';
  const id = (c: ColumnDefinitionBuilder) => (dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement());
  const migrations: Record<string, Migration> = {
    '0001_initial': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('users')
          .addColumn('id', idType, (c) => (dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()))
          .addColumn('login', 'varchar(190)', (c) => c.notNull().unique())
          .addColumn('email', 'varchar(190)', (c) => c.notNull())
          .addColumn('name', 'varchar(255)', (c) => c.notNull())
          .addColumn('password_hash', 'text', (c) => c.notNull())
          .addColumn('role', 'varchar(20)', (c) => c.notNull())
          .addColumn('is_service_account', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('sessions')
          .addColumn('token_hash', 'varchar(64)', (c) => c.primaryKey())
          .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('expires_at', 'bigint', (c) => c.notNull())
          .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
          .addColumn('client_ip', 'varchar(64)', (c) => c.notNull())
          .addColumn('user_agent', 'varchar(255)', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('sessions_user_id').on('sessions').column('user_id').execute();
        await db.schema
          .createTable('api_keys')
          .addColumn('id', idType, (c) => (dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()))
          .addColumn('name', 'varchar(190)', (c) => c.notNull())
          .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
          .addColumn('key_hash', 'varchar(64)', (c) => c.notNull().unique())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('expires_at', 'bigint', (c) => c.notNull())
          .addColumn('last_used_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('datasources')
          .addColumn('id', idType, (c) => (dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()))
          .addColumn('uid', 'varchar(40)', (c) => c.notNull().unique())
          .addColumn('name', 'varchar(190)', (c) => c.notNull().unique())
          .addColumn('type', 'varchar(64)', (c) => c.notNull())
          .addColumn('url', 'text', (c) => c.notNull())
          .addColumn('access', 'varchar(16)', (c) => c.notNull())
          .addColumn('is_default', 'integer', (c) => c.notNull())
          .addColumn('basic_auth', 'integer', (c) => c.notNull())
          .addColumn('basic_auth_user', 'varchar(255)', (c) => c.notNull())
          .addColumn('database_name', 'varchar(255)', (c) => c.notNull())
          .addColumn('user_name', 'varchar(255)', (c) => c.notNull())
          .addColumn('with_credentials', 'integer', (c) => c.notNull())
          .addColumn('json_data', 'text', (c) => c.notNull())
          .addColumn('secure_json_data', 'text', (c) => c.notNull())
          .addColumn('read_only', 'integer', (c) => c.notNull())
          .addColumn('version', 'integer', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('login_attempts')
          .addColumn('key', 'varchar(255)', (c) => c.primaryKey())
          .addColumn('failures', 'integer', (c) => c.notNull())
          .addColumn('last_failure_at', 'bigint', (c) => c.notNull())
          .addColumn('locked_until', 'bigint', (c) => c.notNull())
          .execute();
      },
      async down(db: Kysely<unknown>) {
        for (const t of ['login_attempts', 'datasources', 'api_keys', 'sessions', 'users']) await db.schema.dropTable(t).execute();
      },
    },
    '0002_dashboards': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('folders')
          .addColumn('id', idType, id)
          .addColumn('uid', 'varchar(40)', (c) => c.notNull().unique())
          .addColumn('title', 'varchar(190)', (c) => c.notNull().unique())
          .addColumn('version', 'integer', (c) => c.notNull())
          .addColumn('created_by', 'varchar(190)', (c) => c.notNull())
          .addColumn('updated_by', 'varchar(190)', (c) => c.notNull())
          .addColumn('provisioned', 'varchar(190)', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('dashboards')
          .addColumn('id', idType, id)
          .addColumn('uid', 'varchar(40)', (c) => c.notNull().unique())
          .addColumn('title', 'varchar(255)', (c) => c.notNull())
          .addColumn('folder_uid', 'varchar(40)', (c) => c.notNull())
          .addColumn('tags', 'text', (c) => c.notNull())
          .addColumn('data', 'text', (c) => c.notNull())
          .addColumn('version', 'integer', (c) => c.notNull())
          .addColumn('created_by', 'varchar(190)', (c) => c.notNull())
          .addColumn('updated_by', 'varchar(190)', (c) => c.notNull())
          .addColumn('provisioned', 'varchar(190)', (c) => c.notNull())
          .addColumn('provisioned_external_id', 'text', (c) => c.notNull())
          .addColumn('allow_ui_updates', 'integer', (c) => c.notNull())
          .addColumn('disable_deletion', 'integer', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('dashboards_folder_uid').on('dashboards').column('folder_uid').execute();
        await db.schema
          .createTable('dashboard_versions')
          .addColumn('id', idType, id)
          .addColumn('dashboard_id', 'integer', (c) => c.notNull().references('dashboards.id').onDelete('cascade'))
          .addColumn('version', 'integer', (c) => c.notNull())
          .addColumn('parent_version', 'integer', (c) => c.notNull())
          .addColumn('restored_from', 'integer', (c) => c.notNull())
          .addColumn('message', 'text', (c) => c.notNull())
          .addColumn('data', 'text', (c) => c.notNull())
          .addColumn('created_by', 'varchar(190)', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('dashboard_versions_dashboard').on('dashboard_versions').columns(['dashboard_id', 'version']).unique().execute();
        await db.schema
          .createTable('stars')
          .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
          .addColumn('dashboard_id', 'integer', (c) => c.notNull().references('dashboards.id').onDelete('cascade'))
          .addPrimaryKeyConstraint('stars_pk', ['user_id', 'dashboard_id'])
          .execute();
      },
      async down(db: Kysely<unknown>) {
        for (const t of ['stars', 'dashboard_versions', 'dashboards', 'folders']) await db.schema.dropTable(t).execute();
      },
    },
    // Static scrape jobs added in the UI (merged with prometheus.yml by the Prometheus role of this process).
    '0003_scrape_jobs': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('scrape_jobs')
          .addColumn('id', idType, id)
          .addColumn('job_name', 'varchar(190)', (c) => c.notNull().unique())
          .addColumn('spec', 'text', (c) => c.notNull())
          .addColumn('updated_by', 'varchar(190)', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .execute();
      },
      async down(db: Kysely<unknown>) {
        await db.schema.dropTable('scrape_jobs').execute();
      },
    },
    // Grafana-managed alerting: rules (their JSON in `data`) and the Alertmanager configuration document.
    '0004_alerting': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('alert_rules')
          .addColumn('uid', 'varchar(40)', (c) => c.primaryKey())
          .addColumn('title', 'varchar(190)', (c) => c.notNull())
          .addColumn('folder_uid', 'varchar(190)', (c) => c.notNull())
          .addColumn('rule_group', 'varchar(190)', (c) => c.notNull())
          .addColumn('interval_seconds', 'integer', (c) => c.notNull())
          .addColumn('data', 'text', (c) => c.notNull())
          .addColumn('provenance', 'varchar(20)', (c) => c.notNull())
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('alert_rules_folder_title').on('alert_rules').columns(['folder_uid', 'title']).unique().execute();
        await db.schema
          .createTable('alert_configuration')
          .addColumn('id', 'integer', (c) => c.primaryKey())
          .addColumn('configuration', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .execute();
      },
      async down(db: Kysely<unknown>) {
        for (const t of ['alert_configuration', 'alert_rules']) await db.schema.dropTable(t).execute();
      },
    },
    // Issue 19: the audit log of admin actions and the tenant tokens managed in Administration → Tokens.
    '0005_security': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('audit_log')
          .addColumn('id', idType, id)
          .addColumn('at', 'bigint', (c) => c.notNull())
          .addColumn('user_id', 'integer', (c) => c.notNull())
          .addColumn('user_login', 'varchar(190)', (c) => c.notNull())
          .addColumn('client_ip', 'varchar(64)', (c) => c.notNull())
          .addColumn('action', 'varchar(16)', (c) => c.notNull())
          .addColumn('resource', 'varchar(40)', (c) => c.notNull())
          .addColumn('resource_id', 'varchar(255)', (c) => c.notNull())
          .addColumn('path', 'text', (c) => c.notNull())
          .addColumn('status', 'integer', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('audit_log_at').on('audit_log').column('at').execute();
        await db.schema
          .createTable('tenant_tokens')
          .addColumn('id', idType, id)
          .addColumn('name', 'varchar(190)', (c) => c.notNull().unique())
          .addColumn('token_sha256', 'varchar(64)', (c) => c.notNull().unique())
          .addColumn('tenants', 'text', (c) => c.notNull())
          .addColumn('scopes', 'text', (c) => c.notNull())
          .addColumn('created_by', 'varchar(190)', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .execute();
      },
      async down(db: Kysely<unknown>) {
        for (const t of ['tenant_tokens', 'audit_log']) await db.schema.dropTable(t).execute();
      },
    },
    // Issue 13: Grafana-managed alert instances, so a restart keeps their state (Grafana's alert_instance).
    '0006_alert_instance': {
      async up(db: Kysely<unknown>) {
        let t = db.schema
          .createTable('alert_instance')
          .addColumn('rule_uid', 'varchar(40)', (c) => c.notNull())
          .addColumn('labels_hash', 'varchar(64)', (c) => c.notNull())
          .addColumn('labels', 'text', (c) => c.notNull())
          .addColumn('annotations', 'text', (c) => c.notNull())
          .addColumn('state', 'varchar(16)', (c) => c.notNull())
          .addColumn('value', 'varchar(64)', (c) => c.notNull());
        for (const col of ['active_at', 'fired_at', 'resolved_at', 'last_sent_at', 'valid_until', 'keep_firing_since', 'last_eval']) t = t.addColumn(col, 'bigint', (c) => c.notNull());
        await t.addPrimaryKeyConstraint('alert_instance_pk', ['rule_uid', 'labels_hash']).execute();
      },
      async down(db: Kysely<unknown>) {
        await db.schema.dropTable('alert_instance').execute();
      },
    },
    // Issue 14: Grafana's annotations (`/api/annotations`): events and regions on a dashboard, a panel, or the org.
    '0007_annotations': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('annotations')
          .addColumn('id', idType, id)
          .addColumn('dashboard_uid', 'varchar(40)', (c) => c.notNull())
          .addColumn('panel_id', 'integer', (c) => c.notNull())
          .addColumn('user_id', 'integer', (c) => c.notNull())
          .addColumn('login', 'varchar(190)', (c) => c.notNull())
          .addColumn('email', 'varchar(190)', (c) => c.notNull())
          .addColumn('epoch', 'bigint', (c) => c.notNull())
          .addColumn('epoch_end', 'bigint', (c) => c.notNull())
          .addColumn('text', 'text', (c) => c.notNull())
          .addColumn('tags', 'text', (c) => c.notNull())
          .addColumn('data', 'text', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('annotations_dashboard_epoch').on('annotations').columns(['dashboard_uid', 'epoch']).execute();
      },
      async down(db: Kysely<unknown>) {
        await db.schema.dropTable('annotations').execute();
      },
    },
  };
  return { getMigrations: async () => migrations };
}

import type { Generated } from 'kysely';

/** Tables of the UI's database. Times are Unix milliseconds; booleans are 0/1 integers (same on SQLite and PostgreSQL). */
export interface UserTable {
  id: Generated<number>;
  login: string;
  email: string;
  name: string;
  /** `scrypt$N$r$p$salt$hash` (base64); empty for service accounts, which cannot sign in with a password. */
  password_hash: string;
  role: string;
  is_service_account: number;
  disabled: number;
  created_at: number;
  updated_at: number;
}

export interface SessionTable {
  /** SHA-256 of the cookie token; the token itself is never stored. */
  token_hash: string;
  user_id: number;
  created_at: number;
  expires_at: number;
  last_seen_at: number;
  client_ip: string;
  user_agent: string;
}

export interface ApiKeyTable {
  id: Generated<number>;
  name: string;
  /** The service account the token belongs to. */
  user_id: number;
  key_hash: string;
  created_at: number;
  /** 0 = never. */
  expires_at: number;
  last_used_at: number;
}

export interface DatasourceTable {
  id: Generated<number>;
  uid: string;
  name: string;
  type: string;
  url: string;
  access: string;
  is_default: number;
  basic_auth: number;
  basic_auth_user: string;
  database_name: string;
  user_name: string;
  with_credentials: number;
  json_data: string;
  /** AES-256-GCM sealed JSON object of secrets (`v1:iv:tag:ciphertext`, base64). */
  secure_json_data: string;
  read_only: number;
  version: number;
  created_at: number;
  updated_at: number;
}

export interface LoginAttemptTable {
  /** `user:<login>` or `ip:<address>`. */
  key: string;
  failures: number;
  last_failure_at: number;
  locked_until: number;
}

export interface FolderTable {
  id: Generated<number>;
  uid: string;
  title: string;
  version: number;
  created_by: string;
  updated_by: string;
  /** Name of the provisioning provider that owns the folder, '' when made in the UI/API. */
  provisioned: string;
  created_at: number;
  updated_at: number;
}

export interface DashboardTable {
  id: Generated<number>;
  uid: string;
  title: string;
  /** '' = the General folder. */
  folder_uid: string;
  /** JSON array of strings. */
  tags: string;
  /** The dashboard JSON as saved (without id/uid/version, which are the columns'). */
  data: string;
  version: number;
  created_by: string;
  updated_by: string;
  /** Name of the provisioning provider that owns the dashboard, '' otherwise. */
  provisioned: string;
  provisioned_external_id: string;
  allow_ui_updates: number;
  disable_deletion: number;
  created_at: number;
  updated_at: number;
}

export interface DashboardVersionTable {
  id: Generated<number>;
  dashboard_id: number;
  version: number;
  parent_version: number;
  restored_from: number;
  message: string;
  data: string;
  created_by: string;
  created_at: number;
}

export interface StarTable {
  user_id: number;
  dashboard_id: number;
}

/** A static scrape job added in the UI; `spec` is its JSON (`StaticScrapeJob` of the Prometheus role). */
export interface ScrapeJobTable {
  id: Generated<number>;
  job_name: string;
  spec: string;
  updated_by: string;
  created_at: number;
  updated_at: number;
}

/** A Grafana-managed alert rule; `data` is its JSON (`AlertRule` of src/ui/alerting). */
export interface AlertRuleTable {
  uid: string;
  title: string;
  folder_uid: string;
  rule_group: string;
  interval_seconds: number;
  data: string;
  provenance: string;
  updated_at: number;
}

/**
 * One alert instance of a Grafana-managed rule (Grafana's `alert_instance`): written after each evaluation of its
 * rule and read back at start, so a restart keeps `activeAt` and what was sent. Times are ms (0 = never);
 * `labels`/`annotations` are JSON objects; `value` is the sample as text (NaN kept).
 */
export interface AlertInstanceTable {
  rule_uid: string;
  /** SHA-256 of the labels' canonical text: the key within the rule. */
  labels_hash: string;
  labels: string;
  annotations: string;
  /** pending, firing or inactive (resolved, kept 15 minutes and re-sent as resolved). */
  state: string;
  active_at: number;
  fired_at: number;
  resolved_at: number;
  last_sent_at: number;
  valid_until: number;
  keep_firing_since: number;
  value: string;
  last_eval: number;
}

/** The one Alertmanager configuration document edited in the UI (id 1). */
export interface AlertConfigurationTable {
  id: number;
  configuration: string;
  updated_at: number;
}

/** One admin action (a successful change through the API): who, from where, what, on which resource. */
export interface AuditLogTable {
  id: Generated<number>;
  at: number;
  user_id: number;
  user_login: string;
  client_ip: string;
  /** The HTTP method: POST, PUT, PATCH or DELETE. */
  action: string;
  /** datasource, dashboard, folder, user, serviceaccount, token, tenant-token, rule, ... */
  resource: string;
  resource_id: string;
  path: string;
  status: number;
}

/** A tenant token made in Administration → Tokens: only its SHA-256 is kept. `tenants`/`scopes` are JSON arrays. */
export interface TenantTokenTable {
  id: Generated<number>;
  name: string;
  token_sha256: string;
  tenants: string;
  scopes: string;
  created_by: string;
  created_at: number;
}

/** Grafana's annotations: `dashboard_uid` '' and `panel_id` 0 for organization-wide ones; `tags` a JSON array. */
export interface AnnotationTable {
  id: Generated<number>;
  dashboard_uid: string;
  panel_id: number;
  user_id: number;
  login: string;
  email: string;
  /** Start and end (= start for an event), Unix milliseconds. */
  epoch: number;
  epoch_end: number;
  text: string;
  tags: string;
  /** JSON object (Grafana's `data`). */
  data: string;
  created_at: number;
  updated_at: number;
}

export interface Database {
  annotations: AnnotationTable;
  alert_rules: AlertRuleTable;
  alert_configuration: AlertConfigurationTable;
  alert_instance: AlertInstanceTable;
  audit_log: AuditLogTable;
  tenant_tokens: TenantTokenTable;
  scrape_jobs: ScrapeJobTable;
  folders: FolderTable;
  dashboards: DashboardTable;
  dashboard_versions: DashboardVersionTable;
  stars: StarTable;
  users: UserTable;
  sessions: SessionTable;
  api_keys: ApiKeyTable;
  datasources: DatasourceTable;
  login_attempts: LoginAttemptTable;
}

import { isMap, isPair, isScalar, isSeq, parseDocument, visit, type Pair } from 'yaml';

/** What Prometheus and Alertmanager print in place of a secret (`config.Secret`, `SecretURL`). */
export const SECRET_PLACEHOLDER = '<secret>';

/**
 * Keys whose value is a secret anywhere in Prometheus's, Alertmanager's, Loki's, Tempo's, the Collector's or
 * Sightline's YAML: passwords, bearer tokens, `authorization.credentials`, OAuth2 client secrets, inline TLS keys,
 * cloud secret keys, notifier API keys, routing keys and secret URLs (Slack `api_url`, webhook URLs).
 */
const SECRET_KEYS = new Set([
  'password',
  'basic_auth_password',
  'bearer_token',
  'credentials',
  'client_secret',
  'secret_access_key',
  'secret_key',
  'session_token',
  'api_key',
  'api_secret',
  'service_key',
  'routing_key',
  'auth_password',
  'auth_secret',
  'auth_token',
  'api_url',
  'webhook_url',
  'bot_token',
  'token',
  'user_key',
  'slack_api_url',
  'opsgenie_api_key',
  'victorops_api_key',
  'wechat_api_secret',
  'smtp_auth_password',
  'smtp_auth_secret',
  'telegram_bot_token',
  'httpheadervalue1',
  'basicauthpassword',
]);

/** Keys that are secret only inside certain lists (a webhook's `url` may carry a token in its path or query). */
const SECRET_IN = new Map([
  ['url', new Set(['webhook_configs', 'msteams_configs', 'discord_configs'])],
  ['key', new Set(['tls_config', 'tls_server_config', 'tls'])],
]);

function keyName(p: Pair): string | undefined {
  return isScalar(p.key) && typeof p.key.value === 'string' ? p.key.value : undefined;
}

/**
 * The YAML text with the value of every secret-bearing field replaced by `<secret>`, as Prometheus's
 * `/api/v1/status/config` and Alertmanager's `/api/v2/status` show them; comments and layout are kept. Text that
 * is not YAML is withheld entirely rather than shown unredacted.
 */
export function redactSecretsYaml(text: string): string {
  if (text.trim() === '') return text;
  const doc = parseDocument(text);
  if (doc.errors.length > 0) return `# ${SECRET_PLACEHOLDER}: configuration withheld (it could not be parsed for redaction)\n`;
  let redacted = 0;
  visit(doc, {
    Pair(_key, pair, path) {
      const name = keyName(pair as Pair)?.toLowerCase();
      if (name === undefined) return;
      let secret = SECRET_KEYS.has(name) || /^httpheadervalue\d+$/.test(name);
      const within = SECRET_IN.get(name);
      if (!secret && within) {
        secret = path.some((n) => isPair(n) && within.has(keyName(n as Pair) ?? ''));
      }
      const v = (pair as Pair).value;
      if (!secret || v === null || v === undefined) return;
      if (isScalar(v)) {
        if (v.value === null || v.value === '') return;
        v.value = SECRET_PLACEHOLDER;
        v.type = 'PLAIN';
        redacted++;
      } else if (isMap(v) || isSeq(v)) {
        (pair as Pair).value = doc.createNode(SECRET_PLACEHOLDER);
        redacted++;
      }
    },
  });
  // Nothing secret: the text exactly as loaded.
  return redacted === 0 ? text : doc.toString();
}

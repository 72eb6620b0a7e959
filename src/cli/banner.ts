import { existsSync } from 'node:fs';
import { splitHostPort, type SightlineConfig } from '../config/index.js';

/** A listener's human name, the configuration address it was bound from, and what a user opens on it. */
interface ListenerInfo {
  label: string;
  address: (c: SightlineConfig) => string | undefined;
  /** Path appended to the URL (e.g. the OTLP HTTP traces endpoint); none for a plain `host:port`. */
  path?: string;
  /** Not HTTP: shown as `host:port`. */
  plain?: boolean;
}

/** In the order a user looks for them: the UI first, then the APIs, then the receivers. */
const LISTENERS: Record<string, ListenerInfo> = {
  ui: { label: 'Web UI', address: (c) => c.ui.listen_address },
  prometheus: { label: 'Prometheus API', address: (c) => c.metrics.listen_address },
  mimir: { label: 'Mimir API', address: (c) => c.mimir.listen_address },
  loki: { label: 'Loki API', address: (c) => c.logs.listen_address },
  tempo: { label: 'Tempo API', address: (c) => c.traces.listen_address },
  alertmanager: { label: 'Alertmanager', address: (c) => c.alertmanager.listen_address },
  otlp_grpc: { label: 'OTLP gRPC', address: (c) => c.otlp.grpc_listen_address, plain: true },
  otlp_http: { label: 'OTLP HTTP', address: (c) => c.otlp.http_listen_address },
  zipkin: { label: 'Zipkin', address: (c) => c.traces.zipkin.listen_address, path: '/api/v2/spans' },
  jaeger: { label: 'Jaeger (Thrift HTTP)', address: (c) => c.traces.jaeger.listen_address, path: '/api/traces' },
};

/** The host a user types: `localhost` for loopback and wildcard binds, else the bound host. */
function displayHost(address: string | undefined): string {
  if (!address) return 'localhost';
  const { host } = splitHostPort(address);
  if (host === '0.0.0.0' || host === '::' || host === '::1' || /^127\./.test(host)) return 'localhost';
  return host.includes(':') ? `[${host}]` : host;
}

export interface BannerInput {
  config: SightlineConfig;
  dataDir: string;
  version: string;
  /** Bound ports by listener name, as the components report them. */
  ports: Readonly<Record<string, number>>;
  /** Whether the listener of a port name serves TLS. */
  tls: (port: string) => boolean;
  /** How to sign in to the UI, when it runs (`uiLogin` reads it from the UI module, which only UI targets load). */
  uiLogin?: UiLogin;
}

export interface UiLogin {
  /** The file the generated admin password is written to at first start. */
  passwordFile: string;
  /** A password is configured (ui.admin_password, the environment, or development mode). */
  configured: boolean;
}

/** The UI's sign-in facts for the banner; imports the UI module (its database drivers and all) only when asked. */
export async function uiLogin(config: SightlineConfig, dataDir: string, env: NodeJS.ProcessEnv = process.env): Promise<UiLogin> {
  const { initialAdminPasswordFile, resolveAdminPassword } = await import('../ui/index.js');
  return { passwordFile: initialAdminPasswordFile(dataDir), configured: resolveAdminPassword(config.ui, env) !== undefined };
}

/**
 * The short start-up text for a person at a terminal: where each started component listens, and how to sign
 * in to the UI (the admin user and the file holding the generated password, or where the password comes from).
 */
export function formatBanner(b: BannerInput): string {
  const rows: Array<[string, string]> = [];
  const known = Object.keys(LISTENERS).filter((k) => b.ports[k] !== undefined);
  const others = Object.keys(b.ports).filter((k) => !(k in LISTENERS)).sort();
  for (const name of [...known, ...others]) {
    const info = LISTENERS[name] as ListenerInfo | undefined;
    const host = displayHost(info?.address(b.config));
    const hostPort = `${host}:${b.ports[name]}`;
    rows.push([info?.label ?? name, info?.plain ? hostPort : `${b.tls(name) ? 'https' : 'http'}://${hostPort}${info?.path ?? ''}`]);
  }
  const width = Math.max(0, ...rows.map(([l]) => l.length));
  const lines = [`Sightline ${b.version} is running.`, ''];
  for (const [label, url] of rows) lines.push(`  ${label.padEnd(width)}  ${url}`);
  if (b.ports.ui !== undefined && b.uiLogin) {
    const ui = b.config.ui;
    const { passwordFile: file, configured } = b.uiLogin;
    lines.push('', `  Sign in as "${ui.admin_user}"`);
    if (configured && ui.development_mode) lines.push('  Password: "admin" (development mode)');
    else if (configured) lines.push('  Password: as configured (ui.admin_password or GF_SECURITY_ADMIN_PASSWORD)');
    else if (existsSync(file)) lines.push(`  Password: generated at first start, in ${file}`);
    else lines.push('  Password: the one set for this user (the generated password file was removed)');
  }
  lines.push('', `  Data directory: ${b.dataDir}`, '  Logs (JSON) go to stderr. Press Ctrl+C to stop.', '');
  return lines.join('\n');
}


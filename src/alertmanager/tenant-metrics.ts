import { Counter, Gauge, type MetricObjectWithValues, type MetricValue, type Registry } from 'prom-client';

type Family = MetricObjectWithValues<MetricValue<string>>;

/** One per-tenant series of Mimir's: the sum of a tenant Alertmanager's metric, kept apart by `user` (and one label of its own). */
interface PerUser {
  name: string;
  help: string;
  from: string;
  kind: 'counter' | 'gauge';
  by?: string;
}

/** The series Mimir's `alertmanagerMetrics` re-exports per user from each tenant's Alertmanager registry. */
const PER_USER: PerUser[] = [
  { name: 'cortex_alertmanager_alerts_received_total', help: 'The total number of received alerts.', from: 'alertmanager_alerts_received_total', kind: 'counter' },
  { name: 'cortex_alertmanager_alerts_invalid_total', help: 'The total number of received alerts that were invalid.', from: 'alertmanager_alerts_invalid_total', kind: 'counter' },
  { name: 'cortex_alertmanager_notifications_total', help: 'The total number of attempted notifications.', from: 'alertmanager_notifications_total', kind: 'counter', by: 'integration' },
  { name: 'cortex_alertmanager_notifications_failed_total', help: 'The total number of failed notifications.', from: 'alertmanager_notifications_failed_total', kind: 'counter', by: 'integration' },
  { name: 'cortex_alertmanager_notification_requests_total', help: 'The total number of attempted notification requests.', from: 'alertmanager_notification_requests_total', kind: 'counter', by: 'integration' },
  { name: 'cortex_alertmanager_notification_requests_failed_total', help: 'The total number of failed notification requests.', from: 'alertmanager_notification_requests_failed_total', kind: 'counter', by: 'integration' },
  { name: 'cortex_alertmanager_alerts', help: 'How many alerts by state.', from: 'alertmanager_alerts', kind: 'gauge', by: 'state' },
  { name: 'cortex_alertmanager_silences', help: 'How many silences by state.', from: 'alertmanager_silences', kind: 'gauge', by: 'state' },
  { name: 'cortex_alertmanager_config_hash', help: 'Hash of the currently loaded alertmanager configuration.', from: 'alertmanager_config_hash', kind: 'gauge' },
];

export interface TenantMetricsSource {
  /** The running tenants' Alertmanager registries. */
  registries(): Iterable<[string, Registry]>;
  /** Tenants with a configuration in the store, and those this instance runs an Alertmanager for. */
  discovered(): number;
  owned(): number;
}

/**
 * Mimir's Alertmanager metrics on the Mimir role's registry: each tenant's Alertmanager keeps its own registry;
 * a scrape reads them all once and exports their sums per `user` under Mimir's `cortex_alertmanager_*` names,
 * beside `cortex_alertmanager_tenants_discovered` and `cortex_alertmanager_tenants_owned`.
 */
export function registerTenantAlertmanagerMetrics(registry: Registry, source: TenantMetricsSource): void {
  // One read of every tenant registry per scrape: every collector below awaits the same snapshot.
  let snapshot: Promise<Map<string, Map<string, Family>>> | undefined;
  const read = () => {
    snapshot ??= (async () => {
      const out = new Map<string, Map<string, Family>>();
      for (const [user, reg] of source.registries()) out.set(user, new Map((await reg.getMetricsAsJSON()).map((f) => [f.name, f])));
      setImmediate(() => (snapshot = undefined));
      return out;
    })();
    return snapshot;
  };
  const sums = async (spec: PerUser) => {
    const out: { labels: Record<string, string>; value: number }[] = [];
    for (const [user, fams] of await read()) {
      const byLabel = new Map<string, number>();
      for (const v of fams.get(spec.from)?.values ?? []) {
        const k = spec.by ? String(v.labels[spec.by] ?? '') : '';
        byLabel.set(k, (byLabel.get(k) ?? 0) + v.value);
      }
      for (const [k, value] of byLabel) out.push({ labels: spec.by ? { user, [spec.by]: k } : { user }, value });
    }
    return out;
  };
  for (const spec of PER_USER) {
    const common = { name: spec.name, help: spec.help, labelNames: spec.by ? ['user', spec.by] : ['user'], registers: [registry] };
    async function collect(this: Counter | Gauge): Promise<void> {
      const rows = await sums(spec);
      this.reset();
      for (const r of rows) {
        if (this instanceof Counter) this.inc(r.labels, r.value);
        else this.set(r.labels, r.value);
      }
    }
    if (spec.kind === 'counter') new Counter({ ...common, collect });
    else new Gauge({ ...common, collect });
  }
  new Gauge({
    name: 'cortex_alertmanager_tenants_discovered',
    help: 'Number of tenants with an Alertmanager configuration discovered.',
    registers: [registry],
    collect() {
      this.set(source.discovered());
    },
  });
  new Gauge({
    name: 'cortex_alertmanager_tenants_owned',
    help: 'Current number of tenants owned by the Alertmanager instance.',
    registers: [registry],
    collect() {
      this.set(source.owned());
    },
  });
}

import { createHash } from 'node:crypto';
import { Gauge, type Registry } from 'prom-client';
import type { AlertmanagerConfig } from './config/load-config.js';

/** Alertmanager's `alertmanager_config_hash`: the first 48 bits of the config text's MD5, little-endian, as a float. */
export function configHashValue(original: string): number {
  const sum = createHash('md5').update(original).digest();
  const b = Buffer.alloc(8);
  sum.copy(b, 0, 0, 6);
  return Number(b.readBigUInt64LE());
}

/** The configuration gauges of Alertmanager 0.25: hash, last reload result and time, receivers and integrations. */
export class ConfigMetrics {
  private readonly hash: Gauge;
  private readonly success: Gauge;
  private readonly successTime: Gauge;
  private readonly receivers: Gauge;
  private readonly integrations: Gauge;

  constructor(r: Registry) {
    const g = (name: string, help: string) => new Gauge({ name, help, registers: [r] });
    this.hash = g('alertmanager_config_hash', 'Hash of the currently loaded alertmanager configuration.');
    this.success = g('alertmanager_config_last_reload_successful', 'Whether the last configuration reload attempt was successful.');
    this.successTime = g('alertmanager_config_last_reload_success_timestamp_seconds', 'Timestamp of the last successful configuration reload.');
    this.receivers = g('alertmanager_receivers', 'Number of configured receivers.');
    this.integrations = g('alertmanager_integrations', 'Number of configured integrations.');
    g('alertmanager_cluster_enabled', 'Indicates whether the clustering is enabled or not.').set(0);
  }

  loaded(config: AlertmanagerConfig, integrations: number): void {
    this.success.set(1);
    this.successTime.set(Date.now() / 1000);
    this.hash.set(configHashValue(config.original));
    this.receivers.set(config.receivers.length);
    this.integrations.set(integrations);
  }

  failed(): void {
    this.success.set(0);
  }
}

import { DiscoveryManager, type TargetGroup } from '../../metrics/discovery/index.js';
import type { AlertmanagerConfig } from '../../metrics/promconfig/index.js';
import { compileRelabels, relabel } from '../../metrics/relabel/index.js';
import { Labels } from '../../model/index.js';
import type { Logger } from '../../server/index.js';

/** One discovered Alertmanager: the URL alerts are posted to. */
export interface AlertmanagerTarget {
  url: string;
}

/** Prometheus's `AlertmanagerFromGroup`: `__scheme__`, `__address__`, `__alerts_path__` after `relabel_configs`. */
export function alertmanagersFromGroups(cfg: AlertmanagerConfig, groups: TargetGroup[]): AlertmanagerTarget[] {
  const rules = compileRelabels(cfg.relabel_configs);
  const prefix = cfg.path_prefix.replace(/\/+$/, '');
  const out: AlertmanagerTarget[] = [];
  const seen = new Set<string>();
  for (const g of groups) {
    for (const t of g.targets) {
      let l: Labels | null = Labels.fromObject({ ...g.labels, ...t, __scheme__: cfg.scheme, __alerts_path__: `${prefix}/api/${cfg.api_version}/alerts` });
      if (rules.length > 0) l = relabel(l, rules) ?? null;
      if (!l) continue;
      const addr = l.get('__address__');
      if (addr === '') continue;
      const url = `${l.get('__scheme__')}://${addr}${l.get('__alerts_path__')}`;
      if (seen.has(url)) continue;
      seen.add(url);
      out.push({ url });
    }
  }
  return out;
}

/** Discovers the Alertmanagers of each `alerting.alertmanagers` entry (static and file SD), keyed `config-N`. */
export class AlertmanagerDiscovery {
  private readonly sets = new Map<string, AlertmanagerTarget[]>();
  private readonly dm: DiscoveryManager;
  private markReady: () => void = () => undefined;
  /** Settles once every entry has had its first discovery update (alerts sent before then would find no target). */
  readonly ready: Promise<void>;

  constructor(
    private configs: AlertmanagerConfig[],
    logger: Logger,
  ) {
    this.dm = new DiscoveryManager((job, groups) => {
      const i = Number(job.slice('config-'.length));
      const cfg = this.configs[i];
      if (cfg) this.sets.set(job, alertmanagersFromGroups(cfg, groups));
      if (this.sets.size >= this.configs.length) this.markReady();
    }, { logger, updateIntervalMs: 5000 });
    this.ready = new Promise((r) => (this.markReady = r));
    if (configs.length === 0) this.markReady();
    this.apply(configs);
  }

  apply(configs: AlertmanagerConfig[]): void {
    this.configs = configs;
    for (const k of [...this.sets.keys()]) if (Number(k.slice(7)) >= configs.length) this.sets.delete(k);
    this.dm.applyConfig(new Map(configs.map((c, i) => [`config-${i}`, { static_configs: c.static_configs, file_sd_configs: c.file_sd_configs, kubernetes_sd_configs: c.kubernetes_sd_configs }])));
  }

  /** Current Alertmanagers per configuration entry. */
  current(): { config: AlertmanagerConfig; targets: AlertmanagerTarget[] }[] {
    return this.configs.map((config, i) => ({ config, targets: this.sets.get(`config-${i}`) ?? [] }));
  }

  stop(): void {
    this.dm.stop();
  }
}

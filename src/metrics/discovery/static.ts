import type { StaticConfig } from '../promconfig/index.js';
import type { Discoverer, TargetGroup } from './target-group.js';

/** `static_configs`: one group per entry, announced once. */
export class StaticDiscoverer implements Discoverer {
  constructor(private readonly configs: readonly StaticConfig[]) {}

  groups(): TargetGroup[] {
    return this.configs.map((c, i) => ({ source: String(i), targets: c.targets.map((t) => ({ __address__: t })), labels: { ...c.labels } }));
  }

  start(onUpdate: (groups: TargetGroup[]) => void): void {
    onUpdate(this.groups());
  }

  stop(): void {}
}

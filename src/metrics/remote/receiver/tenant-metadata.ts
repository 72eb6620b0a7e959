import type { MetricMetadata } from '../../../model/index.js';
import type { MetadataSource } from '../../storage-api/index.js';

/**
 * Metric metadata received by remote write, per tenant (Mimir keeps it in the ingesters beside the TSDB, not in it):
 * metric family -> distinct (type, help, unit) entries, as `/api/v1/metadata` returns them. Bounded per tenant.
 */
export class TenantMetadata implements MetadataSource {
  private readonly families = new Map<string, MetricMetadata[]>();

  constructor(readonly maxFamilies = 10_000) {}

  add(family: string, meta: MetricMetadata): void {
    let list = this.families.get(family);
    if (!list) {
      if (this.families.size >= this.maxFamilies) return;
      this.families.set(family, (list = []));
    }
    if (!list.some((m) => m.type === meta.type && m.help === meta.help && m.unit === meta.unit)) list.push(meta);
  }

  metadata(metric?: string, limit?: number): Map<string, MetricMetadata[]> {
    const out = new Map<string, MetricMetadata[]>();
    for (const [family, list] of this.families) {
      if (metric !== undefined && metric !== '' && family !== metric) continue;
      if (limit !== undefined && limit > 0 && out.size >= limit) break;
      out.set(family, list.slice());
    }
    return out;
  }
}

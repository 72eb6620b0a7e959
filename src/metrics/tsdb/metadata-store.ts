import type { MetricMetadata } from '../../model/index.js';

function key(m: MetricMetadata): string {
  return `${m.type}\xff${m.unit}\xff${m.help}`;
}

/** TYPE/HELP/UNIT per metric name; distinct entries are kept, as `/api/v1/metadata` lists them. */
export class MetadataStore {
  private readonly byMetric = new Map<string, Map<string, MetricMetadata>>();

  /** True when the entry is new (and so must be written to the WAL). */
  has(metric: string, meta: MetricMetadata): boolean {
    return this.byMetric.get(metric)?.has(key(meta)) ?? false;
  }

  set(metric: string, meta: MetricMetadata): void {
    let m = this.byMetric.get(metric);
    if (!m) this.byMetric.set(metric, (m = new Map()));
    m.set(key(meta), { type: meta.type, help: meta.help, unit: meta.unit });
  }

  query(metric?: string, limit?: number): Map<string, MetricMetadata[]> {
    const out = new Map<string, MetricMetadata[]>();
    if (metric !== undefined && metric !== '') {
      const m = this.byMetric.get(metric);
      if (m) out.set(metric, [...m.values()]);
      return out;
    }
    for (const [name, m] of this.byMetric) {
      if (limit !== undefined && limit > 0 && out.size >= limit) break;
      out.set(name, [...m.values()]);
    }
    return out;
  }

  *entries(): IterableIterator<{ metric: string; meta: MetricMetadata }> {
    for (const [metric, m] of this.byMetric) for (const meta of m.values()) yield { metric, meta };
  }
}

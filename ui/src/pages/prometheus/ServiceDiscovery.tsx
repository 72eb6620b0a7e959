import { PrometheusPage } from './PrometheusPage';

interface ActiveTarget {
  discoveredLabels: Record<string, string>;
  labels: Record<string, string>;
  scrapePool: string;
}

interface DroppedTarget {
  discoveredLabels: Record<string, string>;
  /** Prometheus 2.49 and later; before, the pool is the discovered `job` label. */
  scrapePool?: string;
}

interface Pool {
  active: ActiveTarget[];
  dropped: DroppedTarget[];
}

function Labels(props: { labels: Record<string, string> }) {
  return (
    <>
      {Object.entries(props.labels).map(([k, v]) => (
        <span key={k} className="label-chip">{k}="{v}"</span>
      ))}
    </>
  );
}

/** Pools by name, each with its active and dropped targets. */
function pools(active: ActiveTarget[], dropped: DroppedTarget[]): [string, Pool][] {
  const m = new Map<string, Pool>();
  const pool = (name: string) => {
    let p = m.get(name);
    if (!p) m.set(name, (p = { active: [], dropped: [] }));
    return p;
  };
  for (const t of active) pool(t.scrapePool).active.push(t);
  for (const t of dropped) pool(t.scrapePool ?? t.discoveredLabels.job ?? '').dropped.push(t);
  return [...m].sort(([a], [b]) => a.localeCompare(b));
}

/**
 * Prometheus's Service discovery page (`targets?state=any`): per scrape pool, each discovered target's labels before
 * relabeling and after — or "Dropped" when relabeling dropped it.
 */
export function ServiceDiscoveryPage() {
  return (
    <PrometheusPage<{ activeTargets: ActiveTarget[]; droppedTargets: DroppedTarget[] | null }> title="Service discovery" api="targets?state=any" testId="sd-page">
      {(d) => {
        const list = pools(d.activeTargets ?? [], d.droppedTargets ?? []);
        if (list.length === 0) return <p className="muted">No targets discovered.</p>;
        return (
          <>
            <ul className="sd-summary" data-testid="sd-summary">
              {list.map(([name, p]) => (
                <li key={name}>
                  <a href={`#pool-${encodeURIComponent(name)}`}>{name}</a> <span className="muted">({p.active.length} / {p.active.length + p.dropped.length} active targets)</span>
                </li>
              ))}
            </ul>
            {list.map(([name, p]) => (
              <section key={name} id={`pool-${encodeURIComponent(name)}`} className="pool" data-testid="sd-pool">
                <h3>{name}</h3>
                <table className="result-table sd-table">
                  <thead>
                    <tr><th>Discovered labels</th><th>Target labels</th></tr>
                  </thead>
                  <tbody>
                    {p.active.map((t, i) => (
                      <tr key={`a${i}`} data-testid="sd-target">
                        <td><Labels labels={t.discoveredLabels} /></td>
                        <td><Labels labels={t.labels} /></td>
                      </tr>
                    ))}
                    {p.dropped.map((t, i) => (
                      <tr key={`d${i}`} data-testid="sd-target" data-dropped="true">
                        <td><Labels labels={t.discoveredLabels} /></td>
                        <td><span className="state state-dropped">Dropped</span> <span className="muted">by relabeling</span></td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </section>
            ))}
          </>
        );
      }}
    </PrometheusPage>
  );
}

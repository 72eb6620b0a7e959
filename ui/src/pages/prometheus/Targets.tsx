import { useEffect, useState } from 'react';
import { formatAgo } from '../../lib/time';
import { PrometheusPage } from './PrometheusPage';
import { ScrapeJobsPanel } from './ScrapeJobs';

interface Target {
  discoveredLabels: Record<string, string>;
  labels: Record<string, string>;
  scrapePool: string;
  scrapeUrl: string;
  health: 'up' | 'down' | 'unknown';
  lastError: string;
  lastScrape: string;
  lastScrapeDuration: number;
}

/** Prometheus's Targets page: scrape pools, each target's endpoint, state, labels, last scrape and error. */
export function TargetsPage() {
  // A scrape job changed: read the targets again now, and once more after its first scrape could have happened.
  const [generation, setGeneration] = useState(0);
  const [changed, setChanged] = useState(0);
  useEffect(() => {
    if (changed === 0) return;
    setGeneration((g) => g + 1);
    const t = setTimeout(() => setGeneration((g) => g + 1), 3000);
    return () => clearTimeout(t);
  }, [changed]);
  return (
    <>
    <PrometheusPage<{ activeTargets: Target[] }> key={generation} title="Targets" api="targets?state=active" testId="targets-page">
      {(d) => {
        const pools = new Map<string, Target[]>();
        for (const t of d.activeTargets) pools.set(t.scrapePool, [...(pools.get(t.scrapePool) ?? []), t]);
        if (pools.size === 0) return <p className="muted">No scrape targets.</p>;
        return [...pools].sort(([a], [b]) => a.localeCompare(b)).map(([pool, targets]) => (
          <section key={pool} className="pool" data-testid="scrape-pool">
            <h3>
              {pool} <span className="muted">({targets.filter((t) => t.health === 'up').length}/{targets.length} up)</span>
            </h3>
            <table className="result-table">
              <thead>
                <tr><th>Endpoint</th><th>State</th><th>Labels</th><th>Last scrape</th><th>Scrape duration</th><th>Error</th></tr>
              </thead>
              <tbody>
                {targets.map((t) => (
                  <tr key={t.scrapeUrl} data-testid="target-row">
                    <td>{t.scrapeUrl}</td>
                    <td><span className={`state state-${t.health}`}>{t.health.toUpperCase()}</span></td>
                    <td>{Object.entries(t.labels).map(([k, v]) => <span key={k} className="label-chip">{k}="{v}"</span>)}</td>
                    <td>{formatAgo(Date.parse(t.lastScrape))}</td>
                    <td>{(t.lastScrapeDuration * 1000).toFixed(1)} ms</td>
                    <td className="error-text">{t.lastError}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
        ));
      }}
    </PrometheusPage>
    <div className="page">
      <ScrapeJobsPanel onChange={() => setChanged((c) => c + 1)} />
    </div>
    </>
  );
}

import { useEffect, useState } from 'react';
import { apiFetch, listDatasources, proxyPath } from '../lib/api';
import { RuleGroups, type RuleGroup } from './prometheus/RuleGroups';

/** Alerting → Alert rules: the alerting rules of every Prometheus data source (as Grafana lists data-source-managed rules). */
export function AlertRulesPage() {
  const [bySource, setBySource] = useState<{ name: string; groups?: RuleGroup[]; error?: string }[] | undefined>();
  useEffect(() => {
    (async () => {
      const sources = (await listDatasources()).filter((d) => d.type === 'prometheus');
      const out = await Promise.all(
        sources.map(async (d) => {
          try {
            const r = await apiFetch<{ data: { groups: RuleGroup[] } }>(`${proxyPath(d.uid)}/api/v1/rules?type=alert`);
            return { name: d.name, groups: r.data.groups.map((g) => ({ ...g, rules: g.rules.filter((x) => x.type === 'alerting') })).filter((g) => g.rules.length > 0) };
          } catch (e) {
            return { name: d.name, error: (e as Error).message };
          }
        }),
      );
      setBySource(out);
    })().catch((e: Error) => setBySource([{ name: '', error: e.message }]));
  }, []);
  return (
    <div className="page" data-testid="alert-rules-page">
      <h2>Alert rules</h2>
      {!bySource && <div className="muted">Loading…</div>}
      {bySource?.map((s) => (
        <div key={s.name}>
          {s.error && <div className="alert error">{s.name}: {s.error}</div>}
          {s.groups && <RuleGroups groups={s.groups} source={s.name} />}
        </div>
      ))}
    </div>
  );
}

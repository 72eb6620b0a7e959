import { useEffect, useState } from 'react';
import { apiFetch } from '../../lib/api';
import type { VariableValue } from '../../dashboards/interpolate';
import { linkParams, linkUrl, type DashboardLink } from '../../dashboards/links';

interface SearchHit {
  uid: string;
  title: string;
  url: string;
}

/** A `dashboards` link: the dashboards with its tags (from `/api/search`), as a list or a dropdown. */
function DashboardsByTag(props: { link: DashboardLink; params: string; self?: string }) {
  const [hits, setHits] = useState<SearchHit[] | undefined>();
  const tags = (props.link.tags ?? []).join('\u0000');
  useEffect(() => {
    const q = new URLSearchParams({ type: 'dash-db' });
    for (const t of tags ? tags.split('\u0000') : []) q.append('tag', t);
    apiFetch<SearchHit[]>(`/api/search?${q.toString()}`).then(setHits, () => setHits([]));
  }, [tags]);
  const list = (hits ?? []).filter((h) => h.uid !== props.self);
  const href = (h: SearchHit) => `${h.url}${props.params ? `?${props.params}` : ''}`;
  const target = props.link.targetBlank ? '_blank' : undefined;
  if (props.link.asDropdown) {
    return (
      <details className="dash-link-dropdown" data-testid="dashboard-link-dropdown">
        <summary className="btn secondary">{props.link.title || 'Dashboards'}</summary>
        <ul>{list.map((h) => <li key={h.uid}><a href={href(h)} target={target}>{h.title}</a></li>)}</ul>
      </details>
    );
  }
  return <>{list.map((h) => <a key={h.uid} className="btn secondary" data-testid="dashboard-link" href={href(h)} target={target}>{h.title}</a>)}</>;
}

/** The dashboard's links under its title: plain links and dashboards by tag, carrying variables and time if asked. */
export function DashboardLinks(props: { links: DashboardLink[]; vars: ReadonlyMap<string, VariableValue>; variableNames: string[]; range: { from: string; to: string }; self?: string }) {
  if (!props.links.length) return null;
  return (
    <div className="dash-links" data-testid="dashboard-links">
      {props.links.map((l, i) =>
        l.type === 'dashboards' ? (
          <DashboardsByTag key={i} link={l} params={linkParams(l, props.vars, props.variableNames, props.range).toString()} self={props.self} />
        ) : (
          <a key={i} className="btn secondary" data-testid="dashboard-link-item" href={linkUrl(l, props.vars, props.variableNames, props.range)} title={l.tooltip || undefined} target={l.targetBlank ? '_blank' : undefined} rel={l.targetBlank ? 'noreferrer' : undefined}>
            {l.title || l.url}
          </a>
        ),
      )}
    </div>
  );
}

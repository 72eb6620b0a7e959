import { useEffect, useState } from 'react';
import { navigate, useLocation } from '../lib/router';
import { useApi } from '../lib/use-fetch';
import { Link } from '../shell/Link';
import type { PageProps } from '../shell/routes';

interface SearchHit {
  uid: string;
  title: string;
  url: string;
  type: string;
  tags: string[];
  folderUid?: string;
  folderTitle?: string;
}

/** The browse URL with `query` and `tag` filters (the page's state lives in the URL, as Grafana's does). */
function browseUrl(query: string, tags: string[]): string {
  const p = new URLSearchParams();
  if (query) p.set('query', query);
  for (const t of tags) p.append('tag', t);
  const s = p.toString();
  return `/dashboards${s ? `?${s}` : ''}`;
}

/** Dashboards from Grafana's search API (`GET /api/search`), grouped by folder, with a search box and tag filters. */
export function DashboardsPage(props: Partial<PageProps>) {
  const { search } = useLocation();
  const query = search.get('query') ?? '';
  const tags = search.getAll('tag');
  const [typed, setTyped] = useState(query);
  useEffect(() => setTyped(query), [query]);
  // typing filters after a short pause; the URL keeps the filter for reload and sharing
  useEffect(() => {
    if (typed === query) return;
    const t = setTimeout(() => navigate(browseUrl(typed, tags), true), 250);
    return () => clearTimeout(t);
  });
  const params = new URLSearchParams({ type: 'dash-db' });
  if (query) params.set('query', query);
  for (const t of tags) params.append('tag', t);
  const { data, error } = useApi<SearchHit[]>(`/api/search?${params}`);
  const groups = new Map<string, { title: string; hits: SearchHit[] }>();
  for (const d of data ?? []) {
    const key = d.folderUid ?? '';
    const g = groups.get(key) ?? { title: d.folderTitle ?? 'General', hits: [] };
    g.hits.push(d);
    groups.set(key, g);
  }
  const folders = [...groups.entries()].sort(([a, x], [b, y]) => (a === '' ? -1 : b === '' ? 1 : x.title.localeCompare(y.title)));
  const toggleTag = (t: string) => navigate(browseUrl(query, tags.includes(t) ? tags.filter((x) => x !== t) : [...tags, t]));
  const filtered = query !== '' || tags.length > 0;
  return (
    <div className="page" data-testid="dashboards-page">
      <div className="page-header">
        <h2>Dashboards</h2>
        {props.user?.role !== 'Viewer' && (
          <Link className="btn primary" to="/dashboard/new" testId="dashboard-new">
            New dashboard
          </Link>
        )}
      </div>
      <div className="dash-browse-filters">
        <input data-testid="dashboard-search" placeholder="Search dashboards by name" value={typed} onChange={(e) => setTyped(e.target.value)} aria-label="Search dashboards" />
        {tags.map((t) => (
          <button key={t} className="label-chip" data-testid="dashboard-tag-filter" title="Remove this tag filter" onClick={() => toggleTag(t)}>
            {t} ✕
          </button>
        ))}
      </div>
      {error && <div className="alert error">{error}</div>}
      {data && data.length === 0 && !filtered && <p className="muted" data-testid="dashboards-empty">No dashboards yet.</p>}
      {data && data.length === 0 && filtered && <p className="muted" data-testid="dashboards-no-match">No dashboards match the filter.</p>}
      {folders.map(([uid, g]) => (
        <section key={uid} className="dash-folder" data-testid="dashboard-folder" data-folder={g.title}>
          <h3>📁 {g.title}</h3>
          <table className="result-table" data-testid="dashboard-list">
            <thead>
              <tr><th>Name</th><th>Tags</th></tr>
            </thead>
            <tbody>
              {g.hits.map((d) => (
                <tr key={d.uid}>
                  <td><Link to={d.url} testId="dashboard-link">{d.title}</Link></td>
                  <td>
                    {d.tags.map((t) => (
                      <button key={t} className="label-chip" data-testid="dashboard-tag" onClick={() => toggleTag(t)}>
                        {t}
                      </button>
                    ))}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ))}
    </div>
  );
}

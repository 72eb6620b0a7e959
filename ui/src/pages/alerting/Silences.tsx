import { useState } from 'react';
import { apiFetch, type User } from '../../lib/api';
import { useLocation } from '../../lib/router';
import { formatAgo, formatDateTime } from '../../lib/time';
import { useApi } from '../../lib/use-fetch';
import { Link } from '../../shell/Link';
import { amQuery, AlertmanagerPage } from './AlertmanagerPage';
import { formatMatcher, formatSpan, type AmSilence } from './am';

const ORDER = { active: 0, pending: 1, expired: 2 } as const;

/** Alerting → Silences: every silence of the Alertmanager (active, pending, expired), with Expire, Edit and New (for Editors and Admins). */
export function SilencesPage(props: { user: User }) {
  const canEdit = props.user.role !== 'Viewer';
  const { search } = useLocation();
  const am = search.get('alertmanager');
  return (
    <AlertmanagerPage
      title="Silences"
      testId="silences-page"
      actions={canEdit && <Link to={`/alerting/silence/new${am ? `?alertmanager=${encodeURIComponent(am)}` : ''}`} className="btn primary" testId="new-silence">New silence</Link>}
    >
      {(base, ds) => <SilenceList base={base} query={amQuery(ds)} highlight={search.get('silence') ?? undefined} canEdit={canEdit} />}
    </AlertmanagerPage>
  );
}

function SilenceList(p: { base: string; query: string; highlight?: string; canEdit: boolean }) {
  const [reload, setReload] = useState(0);
  const [actionError, setActionError] = useState('');
  const { data, error, loading } = useApi<AmSilence[]>(`${p.base}/api/v2/silences?r=${reload}`);
  if (error) return <div className="alert error" role="alert">{error}</div>;
  if (loading || !data) return <div className="muted">Loading…</div>;
  if (data.length === 0) return <p className="muted" data-testid="no-silences">No silences.</p>;
  const sorted = [...data].sort((a, b) => ORDER[a.status.state] - ORDER[b.status.state] || Date.parse(a.endsAt) - Date.parse(b.endsAt));
  const expire = async (id: string) => {
    setActionError('');
    try {
      await apiFetch(`${p.base}/api/v2/silence/${encodeURIComponent(id)}`, { method: 'DELETE' });
      setReload((r) => r + 1);
    } catch (e) {
      setActionError((e as Error).message);
    }
  };
  const now = Date.now();
  return (
    <>
      {actionError && <div className="alert error" role="alert">{actionError}</div>}
      <table className="result-table wrap" data-testid="silence-list">
        <thead>
          <tr><th>State</th><th>Matchers</th><th>Ends</th><th>Created by</th><th>Comment</th><th></th></tr>
        </thead>
        <tbody>
          {sorted.map((s) => (
            <tr key={s.id} data-testid="silence-row" data-silence-id={s.id} data-state={s.status.state} className={s.id === p.highlight ? 'highlight' : undefined}>
              <td><span className={`state state-silence-${s.status.state}`}>{s.status.state}</span></td>
              <td>{s.matchers.map((m) => <span key={formatMatcher(m)} className="label-chip">{formatMatcher(m)}</span>)}</td>
              <td title={formatDateTime(Date.parse(s.endsAt))}>
                {s.status.state === 'expired' ? `${formatAgo(Date.parse(s.endsAt))}` : s.status.state === 'pending' ? `starts in ${formatSpan(Date.parse(s.startsAt) - now)}` : `in ${formatSpan(Date.parse(s.endsAt) - now)}`}
              </td>
              <td>{s.createdBy}</td>
              <td>{s.comment}</td>
              <td>
                {p.canEdit && s.status.state !== 'expired' && (
                  <>
                    <Link to={`/alerting/silence/${encodeURIComponent(s.id)}/edit${p.query}`} className="btn secondary small">Edit</Link>{' '}
                    <button className="btn danger small" data-testid="expire-silence" onClick={() => void expire(s.id)}>Expire</button>
                  </>
                )}
                {p.canEdit && s.status.state === 'expired' && <Link to={`/alerting/silence/${encodeURIComponent(s.id)}/edit${p.query}${p.query ? '&' : '?'}recreate=1`} className="btn secondary small">Recreate</Link>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

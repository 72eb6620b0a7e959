import { useEffect, useState } from 'react';
import { apiFetch, type Datasource, type User } from '../../lib/api';
import { navigate, useLocation } from '../../lib/router';
import { formatDateTime, parsePromDuration } from '../../lib/time';
import { useApi } from '../../lib/use-fetch';
import { amQuery, AlertmanagerPage } from './AlertmanagerPage';
import { formatMatcher, formatSpan, type AmAlert, type AmMatcher, type AmSilence } from './am';

type Op = '=' | '!=' | '=~' | '!~';
interface Row {
  name: string;
  op: Op;
  value: string;
}

const toRow = (m: AmMatcher): Row => ({ name: m.name, value: m.value, op: m.isRegex ? (m.isEqual === false ? '!~' : '=~') : m.isEqual === false ? '!=' : '=' });
const toMatcher = (r: Row): AmMatcher => ({ name: r.name.trim(), value: r.value, isRegex: r.op.endsWith('~'), isEqual: !r.op.startsWith('!') });

/** `name="value"` (any of the four operators; the value quoted as JSON or bare) from a `?matcher=` parameter. */
export function parseMatcherParam(s: string): Row | undefined {
  const m = /^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*(.*?)\s*$/.exec(s);
  if (!m) return undefined;
  let value = m[3]!;
  if (value.startsWith('"')) {
    try {
      value = JSON.parse(value) as string;
    } catch {
      return undefined;
    }
  }
  return { name: m[1]!, op: m[2] as Op, value };
}

/**
 * Alerting → Silences → New / Edit: matchers (prefilled from `?matcher=` when silencing an alert), start, duration
 * or end, comment and creator; shows the alerts the silence would cover; saves with `POST /api/v2/silences`.
 */
export function SilenceEditorPage(props: { user: User; params: Record<string, string> }) {
  return (
    <AlertmanagerPage title={props.params.id ? 'Edit silence' : 'New silence'} testId="silence-editor">
      {(base, ds) => <Editor base={base} ds={ds} user={props.user} id={props.params.id} />}
    </AlertmanagerPage>
  );
}

function Editor(p: { base: string; ds: Datasource; user: User; id?: string }) {
  const { search } = useLocation();
  const recreate = search.get('recreate') === '1';
  const existing = useApi<AmSilence>(p.id ? `${p.base}/api/v2/silence/${encodeURIComponent(p.id)}` : undefined);
  const [rows, setRows] = useState<Row[]>(() => {
    const from = search.getAll('matcher').map(parseMatcherParam).filter((r): r is Row => r !== undefined);
    return from.length > 0 ? from : [{ name: '', op: '=', value: '' }];
  });
  const [start, setStart] = useState(() => new Date().toISOString());
  const [duration, setDuration] = useState('2h');
  const [comment, setComment] = useState('');
  const [createdBy, setCreatedBy] = useState(p.user.login);
  const [error, setError] = useState('');
  const [saving, setSaving] = useState(false);

  useEffect(() => {
    const s = existing.data;
    if (!s) return;
    setRows(s.matchers.map(toRow));
    setComment(s.comment);
    setCreatedBy(s.createdBy);
    if (!recreate) {
      setStart(s.startsAt);
      setDuration(formatSpan(Date.parse(s.endsAt) - Date.parse(s.startsAt)));
    }
  }, [existing.data, recreate]);

  const startMs = Date.parse(start);
  const durMs = parsePromDuration(duration.trim());
  const endMs = Number.isFinite(startMs) && durMs !== undefined ? startMs + durMs : undefined;
  const matchers = rows.filter((r) => r.name.trim() !== '').map(toMatcher);
  const filter = new URLSearchParams();
  for (const m of matchers) filter.append('filter', formatMatcher(m));
  const affected = useApi<AmAlert[]>(matchers.length > 0 ? `${p.base}/api/v2/alerts?${filter.toString()}` : undefined);

  const setRow = (i: number, change: Partial<Row>) => setRows((rs) => rs.map((r, j) => (j === i ? { ...r, ...change } : r)));
  const save = async () => {
    setError('');
    if (matchers.length === 0) return setError('At least one matcher is needed.');
    if (!Number.isFinite(startMs)) return setError(`Start: not a date: ${start}`);
    if (endMs === undefined) return setError(`Duration: not a duration: ${duration} (e.g. 2h, 1d, 30m)`);
    if (!comment.trim()) return setError('A comment is needed.');
    setSaving(true);
    try {
      await apiFetch<{ silenceID: string }>(`${p.base}/api/v2/silences`, {
        method: 'POST',
        body: JSON.stringify({
          ...(p.id && !recreate ? { id: p.id } : {}),
          matchers,
          startsAt: new Date(startMs).toISOString(),
          endsAt: new Date(endMs).toISOString(),
          createdBy,
          comment,
        }),
      });
      navigate(`/alerting/silences${amQuery(p.ds)}`);
    } catch (e) {
      setError((e as Error).message);
      setSaving(false);
    }
  };

  if (existing.error) return <div className="alert error" role="alert">{existing.error}</div>;
  return (
    <form
      className="form silence-form"
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <div className="row">
        <label>
          Start
          <input name="start" className="mono" value={start} onChange={(e) => setStart(e.target.value)} size={26} />
        </label>
        <label>
          Duration
          <input name="duration" className="mono" value={duration} onChange={(e) => setDuration(e.target.value)} size={8} />
        </label>
        <label>
          End
          <output data-testid="silence-end">{endMs !== undefined ? formatDateTime(endMs) : '—'}</output>
        </label>
      </div>
      <fieldset className="matchers" data-testid="silence-matchers">
        <legend>Matchers</legend>
        {rows.map((r, i) => (
          <div key={i} className="row matcher-row" data-testid="matcher-row">
            <input aria-label="Label" placeholder="label" className="mono" value={r.name} onChange={(e) => setRow(i, { name: e.target.value })} />
            <select aria-label="Operator" value={r.op} onChange={(e) => setRow(i, { op: e.target.value as Op })}>
              {(['=', '!=', '=~', '!~'] as const).map((o) => (
                <option key={o} value={o}>{o}</option>
              ))}
            </select>
            <input aria-label="Value" placeholder="value" className="mono" value={r.value} onChange={(e) => setRow(i, { value: e.target.value })} />
            <button type="button" className="btn icon" aria-label="Remove matcher" onClick={() => setRows((rs) => rs.filter((_, j) => j !== i))}>×</button>
          </div>
        ))}
        <button type="button" className="btn secondary small" onClick={() => setRows((rs) => [...rs, { name: '', op: '=', value: '' }])}>Add matcher</button>
      </fieldset>
      <label>
        Comment
        <textarea name="comment" rows={3} value={comment} onChange={(e) => setComment(e.target.value)} />
      </label>
      <label>
        Created by
        <input name="createdBy" value={createdBy} onChange={(e) => setCreatedBy(e.target.value)} />
      </label>
      <div data-testid="affected-alerts" className="muted">
        {matchers.length === 0 ? 'Add a matcher to see the alerts it silences.' : affected.error ? affected.error : affected.data ? `${affected.data.length} alert${affected.data.length === 1 ? '' : 's'} affected` : '…'}
      </div>
      {error && <div className="alert error" role="alert">{error}</div>}
      <div className="buttons">
        <button className="btn primary" type="submit" disabled={saving} data-testid="save-silence">{p.id && !recreate ? 'Update silence' : 'Save silence'}</button>
        <button className="btn secondary" type="button" onClick={() => navigate(`/alerting/silences${amQuery(p.ds)}`)}>Cancel</button>
      </div>
    </form>
  );
}

import { useEffect, useState } from 'react';
import { lokiQueryRange } from '../lib/loki';
import { contextQueries, flattenStreams, streamSelector, type LokiStream, type LogRow } from '../lib/logs';

/**
 * "Show context": the lines of the row's stream just before and after it (oldest first, the row highlighted). The
 * stream's labels are all used at first; unticking one widens the selector (e.g. to other levels of the same pod).
 */
export function LogContext(props: { uid: string; row: LogRow; fmtTime: (ms: number) => string; onClose: () => void }) {
  const [used, setUsed] = useState<Record<string, boolean>>(() => Object.fromEntries(Object.keys(props.row.labels).map((k) => [k, true])));
  const [rows, setRows] = useState<LogRow[] | undefined>();
  const [error, setError] = useState('');
  const labels = Object.fromEntries(Object.entries(props.row.labels).filter(([k]) => used[k]));
  const selector = streamSelector(labels);
  useEffect(() => {
    setRows(undefined);
    setError('');
    if (Object.keys(labels).length === 0) return setError('A context query needs at least one label.');
    const q = contextQueries(selector, props.row.tsNs);
    Promise.all([lokiQueryRange(props.uid, q.before), lokiQueryRange(props.uid, q.after)]).then(
      ([b, a]) => {
        const before = flattenStreams((b.body.data?.result ?? []) as LokiStream[], 'forward');
        const after = flattenStreams((a.body.data?.result ?? []) as LokiStream[], 'forward');
        setRows([...before, ...after]);
      },
      (e: Error) => setError(e.message),
    );
  }, [props.uid, props.row.tsNs, selector]);
  return (
    <div className="log-context" data-testid="log-context">
      <div className="log-context-head">
        <strong>Context</strong> <code data-testid="log-context-selector">{selector}</code>
        <span className="log-context-labels">
          {Object.keys(props.row.labels).map((k) => (
            <label key={k} className="inline">
              <input type="checkbox" data-testid={`context-label-${k}`} checked={used[k]} onChange={(e) => setUsed({ ...used, [k]: e.target.checked })} /> {k}
            </label>
          ))}
        </span>
        <button className="link" onClick={props.onClose}>
          Close
        </button>
      </div>
      {error && <div className="alert error">{error}</div>}
      {!rows && !error && <div className="muted">Loading…</div>}
      {rows && (
        <ul className="log-rows" data-testid="log-context-rows">
          {rows.map((r) => (
            <li key={`${r.tsNs}-${r.seq}-${r.line}`} className={`log-row level-${r.level}${r.tsNs === props.row.tsNs && r.line === props.row.line ? ' context-anchor' : ''}`} data-level={r.level}>
              <div className="log-main">
                <span className="log-time">{props.fmtTime(r.timeMs)}</span>
                <span className="log-line">{r.line}</span>
              </div>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

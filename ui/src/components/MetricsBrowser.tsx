import { useEffect, useMemo, useState } from 'react';
import { apiFetch, proxyPath } from '../lib/api';
import { buildSelector } from '../lib/selector';

interface PromList {
  status: string;
  data: string[];
}

/** Pick a metric, then label values, from the datasource's metadata APIs; builds a selector to run. */
export function MetricsBrowser(props: { uid: string; startSec: number; endSec: number; onUse: (selector: string) => void }) {
  const base = proxyPath(props.uid);
  const [metrics, setMetrics] = useState<string[]>([]);
  const [filter, setFilter] = useState('');
  const [metric, setMetric] = useState('');
  const [labels, setLabels] = useState<string[]>([]);
  const [label, setLabel] = useState('');
  const [values, setValues] = useState<string[]>([]);
  const [chosen, setChosen] = useState<Record<string, string[]>>({});
  const [error, setError] = useState('');
  const range = `start=${props.startSec}&end=${props.endSec}`;

  useEffect(() => {
    apiFetch<PromList>(`${base}/api/v1/label/__name__/values?${range}`).then((r) => setMetrics(r.data), (e: Error) => setError(e.message));
  }, [base]);
  useEffect(() => {
    setLabels([]);
    setLabel('');
    setChosen({});
    if (!metric) return;
    apiFetch<PromList>(`${base}/api/v1/labels?match[]=${encodeURIComponent(metric)}&${range}`).then((r) => setLabels(r.data.filter((l) => l !== '__name__')), (e: Error) => setError(e.message));
  }, [metric]);
  useEffect(() => {
    setValues([]);
    if (!metric || !label) return;
    apiFetch<PromList>(`${base}/api/v1/label/${encodeURIComponent(label)}/values?match[]=${encodeURIComponent(metric)}&${range}`).then((r) => setValues(r.data), (e: Error) => setError(e.message));
  }, [metric, label]);

  const shown = useMemo(() => {
    const f = filter.toLowerCase();
    return metrics.filter((m) => m.toLowerCase().includes(f)).slice(0, 500);
  }, [metrics, filter]);
  const selector = metric ? buildSelector(metric, chosen) : '';

  return (
    <div className="metrics-browser" data-testid="metrics-browser">
      {error && <div className="alert error">{error}</div>}
      <div className="mb-cols">
        <div className="mb-col">
          <input placeholder={`Filter ${metrics.length} metrics`} value={filter} onChange={(e) => setFilter(e.target.value)} data-testid="mb-filter" />
          <ul className="mb-list" data-testid="mb-metrics">
            {shown.map((m) => (
              <li key={m} className={m === metric ? 'on' : ''} onClick={() => setMetric(m)}>
                {m}
              </li>
            ))}
          </ul>
        </div>
        <div className="mb-col">
          <div className="muted">Labels</div>
          <ul className="mb-list" data-testid="mb-labels">
            {labels.map((l) => (
              <li key={l} className={l === label ? 'on' : ''} onClick={() => setLabel(l)}>
                {l}
                {chosen[l]?.length ? <span className="badge">{chosen[l].length}</span> : null}
              </li>
            ))}
          </ul>
        </div>
        <div className="mb-col">
          <div className="muted">Values{label ? ` of ${label}` : ''}</div>
          <ul className="mb-list" data-testid="mb-values">
            {values.map((v) => {
              const on = chosen[label]?.includes(v) ?? false;
              return (
                <li
                  key={v}
                  className={on ? 'on' : ''}
                  onClick={() => {
                    const cur = chosen[label] ?? [];
                    setChosen({ ...chosen, [label]: on ? cur.filter((x) => x !== v) : [...cur, v] });
                  }}
                >
                  {v}
                </li>
              );
            })}
          </ul>
        </div>
      </div>
      <div className="mb-footer">
        <code data-testid="mb-selector">{selector}</code>
        <span className="spacer" />
        <button className="btn primary" disabled={!selector} onClick={() => props.onUse(selector)}>
          Use query
        </button>
      </div>
    </div>
  );
}

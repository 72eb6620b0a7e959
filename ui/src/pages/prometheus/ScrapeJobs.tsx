import { useEffect, useState } from 'react';
import { apiFetch, ApiError } from '../../lib/api';

interface ScrapeJob {
  id: number;
  job_name: string;
  targets: string[];
  labels?: Record<string, string>;
  scrape_interval?: string;
  metrics_path?: string;
}

interface Listing {
  jobs: ScrapeJob[];
  fileJobs: string[];
  available: boolean;
}

const API = '/api/sightline/scrape-jobs';
const EMPTY = { job_name: '', targets: '', labels: '', scrape_interval: '', metrics_path: '' };
type Form = typeof EMPTY;

/** `a=1, b=2` → `{ a: '1', b: '2' }`; an entry without `=` is refused. */
function parseLabels(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of text.split(/[,\n]/).map((s) => s.trim()).filter(Boolean)) {
    const i = part.indexOf('=');
    if (i <= 0) throw new Error(`label "${part}": write name=value`);
    out[part.slice(0, i).trim()] = part.slice(i + 1).trim().replace(/^"(.*)"$/, '$1');
  }
  return out;
}

function toBody(f: Form) {
  return {
    job_name: f.job_name.trim(),
    targets: f.targets.split(/[\s,]+/).filter(Boolean),
    ...(f.labels.trim() ? { labels: parseLabels(f.labels) } : {}),
    ...(f.scrape_interval.trim() ? { scrape_interval: f.scrape_interval.trim() } : {}),
    ...(f.metrics_path.trim() ? { metrics_path: f.metrics_path.trim() } : {}),
  };
}

function toForm(j: ScrapeJob): Form {
  return {
    job_name: j.job_name,
    targets: j.targets.join(', '),
    labels: Object.entries(j.labels ?? {}).map(([k, v]) => `${k}=${v}`).join(', '),
    scrape_interval: j.scrape_interval ?? '',
    metrics_path: j.metrics_path ?? '',
  };
}

/**
 * Static scrape jobs added here (stored in the UI database, scraped by this process's Prometheus without a
 * restart); prometheus.yml's jobs are listed as read-only. Shown to Grafana admins only: others get nothing.
 */
export function ScrapeJobsPanel(props: { onChange: () => void }) {
  const [listing, setListing] = useState<Listing | undefined>();
  const [hidden, setHidden] = useState(false);
  const [form, setForm] = useState<Form | undefined>();
  const [editing, setEditing] = useState<number | undefined>();
  const [error, setError] = useState('');
  const load = () =>
    apiFetch<Listing>(API).then(setListing, (e: Error) => {
      if (e instanceof ApiError && e.status === 403) setHidden(true);
      else setError(e.message);
    });
  useEffect(() => {
    void load();
  }, []);
  if (hidden || !listing) return error ? <div className="alert error">{error}</div> : null;

  const save = async () => {
    setError('');
    try {
      const body = JSON.stringify(toBody(form!));
      await apiFetch(editing === undefined ? API : `${API}/${editing}`, { method: editing === undefined ? 'POST' : 'PUT', body });
      setForm(undefined);
      setEditing(undefined);
      await load();
      props.onChange();
    } catch (e) {
      setError((e as Error).message);
    }
  };
  const remove = async (j: ScrapeJob) => {
    if (!confirm(`Remove scrape job "${j.job_name}"?`)) return;
    try {
      await apiFetch(`${API}/${j.id}`, { method: 'DELETE' });
      await load();
      props.onChange();
    } catch (e) {
      setError((e as Error).message);
    }
  };
  const field = (key: keyof Form, label: string, placeholder: string) => (
    <label>
      {label}
      <input name={key} placeholder={placeholder} value={form![key]} onChange={(e) => setForm({ ...form!, [key]: e.target.value })} />
    </label>
  );

  return (
    <section className="pool" data-testid="scrape-jobs">
      <h3>
        Scrape jobs <span className="muted">(added here; prometheus.yml{listing.fileJobs.length ? `: ${listing.fileJobs.join(', ')}` : ''} is read-only)</span>
      </h3>
      {!listing.available && <p className="muted">No Prometheus runs in this process: scrape jobs can be added in the single-process default only.</p>}
      {listing.jobs.length > 0 && (
        <table className="result-table">
          <thead>
            <tr><th>Job</th><th>Targets</th><th>Labels</th><th>Interval</th><th /></tr>
          </thead>
          <tbody>
            {listing.jobs.map((j) => (
              <tr key={j.id} data-testid="scrape-job-row">
                <td>{j.job_name}</td>
                <td>{j.targets.join(', ')}</td>
                <td>{Object.entries(j.labels ?? {}).map(([k, v]) => <span key={k} className="label-chip">{k}="{v}"</span>)}</td>
                <td>{j.scrape_interval ?? 'global'}</td>
                <td>
                  <button type="button" className="btn secondary small" onClick={() => { setEditing(j.id); setForm(toForm(j)); }}>Edit</button>{' '}
                  <button type="button" className="btn danger small" aria-label={`Remove ${j.job_name}`} onClick={() => void remove(j)}>Remove</button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {error && <div className="alert error" role="alert">{error}</div>}
      {form ? (
        <form className="form" aria-label="Scrape job" onSubmit={(e) => { e.preventDefault(); void save(); }}>
          {field('job_name', 'Job name', 'my-app')}
          {field('targets', 'Targets (host:port, comma-separated)', '127.0.0.1:8080')}
          {field('labels', 'Labels (name=value, comma-separated)', 'env=dev')}
          <div className="row">
            {field('scrape_interval', 'Scrape interval', 'global default')}
            {field('metrics_path', 'Metrics path', '/metrics')}
          </div>
          <div>
            <button type="submit" className="btn primary">{editing === undefined ? 'Add job' : 'Save job'}</button>{' '}
            <button type="button" className="btn secondary" onClick={() => { setForm(undefined); setEditing(undefined); setError(''); }}>Cancel</button>
          </div>
        </form>
      ) : (
        listing.available && <button type="button" className="btn primary" onClick={() => { setEditing(undefined); setForm(EMPTY); }}>Add scrape job</button>
      )}
    </section>
  );
}

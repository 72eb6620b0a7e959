import { useEffect, useState } from 'react';
import { CopyButton } from '../components/CopyButton';
import { listDatasources, proxyPath, type Datasource } from '../lib/api';
import { formatAgo } from '../lib/time';
import { Link } from '../shell/Link';

interface Health {
  status: 'OK' | 'ERROR' | 'checking';
  message: string;
}

/** Copyable configuration for sending data to this stack, from the datasources' URLs. */
function snippets(sources: Datasource[], otlpHttp: string | null): { id: string; title: string; text: string }[] {
  const url = (type: string) => sources.find((d) => d.type === type)?.url.replace(/\/+$/, '');
  const prom = url('prometheus');
  const loki = url('loki');
  const tempo = url('tempo');
  const host = (u: string | undefined) => (u ? new URL(u).hostname : location.hostname);
  const out: { id: string; title: string; text: string }[] = [];
  if (prom) out.push({ id: 'remote-write', title: 'Prometheus remote_write (prometheus.yml)', text: `remote_write:\n  - url: ${prom}/api/v1/write\n` });
  out.push({
    id: 'otlp',
    title: 'OpenTelemetry SDK (environment)',
    text: `OTEL_EXPORTER_OTLP_ENDPOINT=${otlpHttp ?? `http://${host(tempo ?? prom)}:4318`}\nOTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf\nOTEL_SERVICE_NAME=my-service\n`,
  });
  if (loki) {
    out.push({
      id: 'promtail',
      title: 'Sightline agent / Promtail (promtail.yaml)',
      text: `server:\n  http_listen_port: 9080\npositions:\n  filename: /tmp/positions.yaml\nclients:\n  - url: ${loki}/loki/api/v1/push\nscrape_configs:\n  - job_name: app\n    static_configs:\n      - targets: [localhost]\n        labels:\n          app: my-app\n          __path__: /var/log/my-app/*.log\n`,
    });
    out.push({
      id: 'loki-push',
      title: 'Loki push API (curl)',
      text: `curl -s -H 'Content-Type: application/json' ${loki}/loki/api/v1/push \\\n  --data '{"streams":[{"stream":{"app":"hello"},"values":[["'$(date +%s%N)'","hello world"]]}]}'\n`,
    });
  }
  return out;
}

function Snippet(props: { id: string; title: string; text: string }) {
  return (
    <figure className="snippet" data-testid={`snippet-${props.id}`}>
      <figcaption>
        {props.title}
        <CopyButton text={props.text} />
      </figcaption>
      {/* focusable: a long line scrolls sideways, and keyboard users must be able to scroll it */}
      <pre tabIndex={0} aria-label={props.title}>{props.text}</pre>
    </figure>
  );
}

/** Per-second ingest of each pillar, from the stack's self-scrape (job `sightline`, `metrics.scrape_self`). */
const INGEST: { id: string; title: string; unit: string; expr: string }[] = [
  { id: 'samples', title: 'Metric samples', unit: 'samples/s', expr: 'sum(rate(prometheus_tsdb_head_samples_appended_total{job="sightline"}[1m]))' },
  { id: 'lines', title: 'Log lines', unit: 'lines/s', expr: 'sum(rate(loki_distributor_lines_received_total{job="sightline"}[1m]))' },
  { id: 'spans', title: 'Spans', unit: 'spans/s', expr: 'sum(rate(tempo_distributor_spans_received_total{job="sightline"}[1m]))' },
];

interface PromVector {
  status: string;
  data?: { result: { value: [number, string] }[] };
}

interface RuleAlert {
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  state: string;
  activeAt?: string;
}

const fmtRate = (v: number) => (v >= 100 ? Math.round(v).toLocaleString('en-US') : v.toFixed(v >= 10 ? 1 : 2));

/** Ingest rates and the active alerts of the first Prometheus datasource (nothing shown without one). */
function Activity(props: { prom: Datasource }) {
  const [rates, setRates] = useState<Record<string, number | null>>({});
  const [alerts, setAlerts] = useState<RuleAlert[] | undefined>();
  const [error, setError] = useState('');
  useEffect(() => {
    const base = proxyPath(props.prom.uid);
    const load = () => {
      for (const q of INGEST) {
        fetch(`${base}/api/v1/query?query=${encodeURIComponent(q.expr)}`, { credentials: 'same-origin' })
          .then((r) => r.json() as Promise<PromVector>)
          .then((b) => {
            const v = b.data?.result[0]?.value[1];
            setRates((r) => ({ ...r, [q.id]: v === undefined ? null : Number(v) }));
          }, (e: Error) => setError(e.message));
      }
      fetch(`${base}/api/v1/alerts`, { credentials: 'same-origin' })
        .then((r) => r.json() as Promise<{ data?: { alerts: RuleAlert[] } }>)
        .then((b) => setAlerts([...(b.data?.alerts ?? [])].sort((a, b2) => (b2.activeAt ?? '').localeCompare(a.activeAt ?? '')).slice(0, 8)), (e: Error) => setError(e.message));
    };
    load();
    const t = setInterval(load, 15_000);
    return () => clearInterval(t);
  }, [props.prom.uid]);
  return (
    <>
      <section>
        <h3>Ingest</h3>
        {error && <div className="alert error">{error}</div>}
        <ul className="ingest-list" data-testid="home-ingest">
          {INGEST.map((q) => {
            const v = rates[q.id];
            return (
              <li key={q.id} className="ingest-item" data-testid={`ingest-${q.id}`}>
                <span className="ingest-title">{q.title}</span>
                <span className="ingest-value">{v === undefined ? '…' : v === null ? 'no data' : fmtRate(v)}</span>
                <span className="muted">{q.unit} (last minute)</span>
              </li>
            );
          })}
        </ul>
        {Object.values(rates).every((v) => v === null) && Object.keys(rates).length === INGEST.length && (
          <p className="muted">No self-scrape data yet: rates come from the stack's own metrics (job “sightline”, <code>metrics.scrape_self</code>).</p>
        )}
      </section>
      <section>
        <h3>Recent alerts</h3>
        <ul className="alert-list" data-testid="home-alerts">
          {alerts?.map((a, i) => (
            <li key={i}>
              <span className={`state state-${a.state}`}>{a.state}</span>
              <span className="alert-name">{a.labels.alertname}</span>
              <span className="muted">{a.annotations?.summary ?? Object.entries(a.labels).filter(([k]) => k !== 'alertname').map(([k, v]) => `${k}=${v}`).join(', ')}</span>
              {a.activeAt && <span className="muted alert-since">active {formatAgo(Date.parse(a.activeAt))}</span>}
            </li>
          ))}
          {alerts?.length === 0 && <li className="muted">No pending or firing alerts.</li>}
        </ul>
        <Link to="/prometheus/alerts">All alerts</Link>
      </section>
    </>
  );
}

/** Home: what is running (each datasource's health check) and how to send data to it. */
export function HomePage() {
  const [sources, setSources] = useState<Datasource[] | undefined>();
  const [health, setHealth] = useState<Record<string, Health>>({});
  const [error, setError] = useState('');
  const [otlpHttp, setOtlpHttp] = useState<string | null>(null);
  useEffect(() => {
    fetch('/api/sightline/ingest-endpoints', { credentials: 'same-origin' })
      .then((r) => r.json() as Promise<{ otlpHttp: string | null }>)
      .then((b) => setOtlpHttp(b.otlpHttp), () => setOtlpHttp(null));
    listDatasources().then((list) => {
      setSources(list);
      for (const d of list) {
        setHealth((h) => ({ ...h, [d.uid]: { status: 'checking', message: 'Checking…' } }));
        fetch(`/api/datasources/uid/${encodeURIComponent(d.uid)}/health`, { credentials: 'same-origin' })
          .then((r) => r.json() as Promise<Health>)
          .then(
            (r) => setHealth((h) => ({ ...h, [d.uid]: r })),
            (e: Error) => setHealth((h) => ({ ...h, [d.uid]: { status: 'ERROR', message: e.message } })),
          );
      }
    }, (e: Error) => setError(e.message));
  }, []);
  return (
    <div className="page home">
      <h2>Welcome to Sightline</h2>
      {error && <div className="alert error">{error}</div>}
      <section>
        <h3>Components</h3>
        <ul className="health-list" data-testid="home-health">
          {sources?.map((d) => {
            const h = health[d.uid];
            return (
              <li key={d.uid} className={`health-item health-${h?.status ?? 'checking'}`} data-testid="home-health-item">
                <span className="health-dot" aria-hidden="true" />
                <Link to={`/datasources/edit/${encodeURIComponent(d.uid)}`}>{d.name}</Link>
                <span className="muted">{d.typeName} · {d.url}</span>
                <span className="health-msg">{h?.status === 'OK' ? 'Healthy' : h?.message}</span>
                <Link to={`/explore?ds=${encodeURIComponent(d.uid)}`} className="btn secondary small">Explore</Link>
              </li>
            );
          })}
        </ul>
      </section>
      {sources?.some((d) => d.type === 'prometheus') && <Activity prom={sources.find((d) => d.type === 'prometheus')!} />}
      <section>
        <h3>Send data</h3>
        <div className="snippets">{sources && snippets(sources, otlpHttp).map((s) => <Snippet key={s.id} {...s} />)}</div>
      </section>
    </div>
  );
}

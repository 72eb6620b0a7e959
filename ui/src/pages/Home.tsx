import { useEffect, useState } from 'react';
import { listDatasources, type Datasource } from '../lib/api';
import { Link } from '../shell/Link';

interface Health {
  status: 'OK' | 'ERROR' | 'checking';
  message: string;
}

/** Copyable configuration for sending data to this stack, from the datasources' URLs. */
function snippets(sources: Datasource[]): { id: string; title: string; text: string }[] {
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
    text: `OTEL_EXPORTER_OTLP_ENDPOINT=http://${host(tempo ?? prom)}:4318\nOTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf\nOTEL_SERVICE_NAME=my-service\n`,
  });
  if (loki) {
    out.push({ id: 'promtail', title: 'Promtail (clients)', text: `clients:\n  - url: ${loki}/loki/api/v1/push\n` });
    out.push({
      id: 'loki-push',
      title: 'Loki push API (curl)',
      text: `curl -s -H 'Content-Type: application/json' ${loki}/loki/api/v1/push \\\n  --data '{"streams":[{"stream":{"app":"hello"},"values":[["'$(date +%s%N)'","hello world"]]}]}'\n`,
    });
  }
  return out;
}

function Snippet(props: { id: string; title: string; text: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <figure className="snippet" data-testid={`snippet-${props.id}`}>
      <figcaption>
        {props.title}
        <button
          className="btn secondary small"
          onClick={() => {
            void navigator.clipboard?.writeText(props.text).then(() => setCopied(true), () => setCopied(false));
          }}
        >
          {copied ? 'Copied' : 'Copy'}
        </button>
      </figcaption>
      <pre>{props.text}</pre>
    </figure>
  );
}

/** Home: what is running (each datasource's health check) and how to send data to it. */
export function HomePage() {
  const [sources, setSources] = useState<Datasource[] | undefined>();
  const [health, setHealth] = useState<Record<string, Health>>({});
  const [error, setError] = useState('');
  useEffect(() => {
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
      <section>
        <h3>Send data</h3>
        <div className="snippets">{sources && snippets(sources).map((s) => <Snippet key={s.id} {...s} />)}</div>
      </section>
    </div>
  );
}

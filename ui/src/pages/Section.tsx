import { NAV, navTrail } from '../shell/nav';
import { Link } from '../shell/Link';

const BLURB: Record<string, string> = {
  'alert-rules': 'Alerting and recording rules of every Prometheus data source, with their state.',
  'am-alerts': "The Alertmanager's alerts by group: state, labels, annotations; filter and silence.",
  silences: 'Silences: create (from an alert), edit, expire.',
  'contact-points': "The Alertmanager's receivers and their integrations.",
  'notification-policies': 'The routing tree: which alerts go to which contact point, grouped and timed how.',
  'prometheus-targets': 'Scrape targets of a Prometheus data source: health, last scrape, errors.',
  'prometheus-rules': 'Rule groups as Prometheus evaluates them.',
  'prometheus-alerts': 'Alerts firing or pending.',
  'prometheus-service-discovery': 'Discovered targets per scrape pool: labels before and after relabeling, and those relabeling dropped.',
  'prometheus-config': 'The loaded configuration as YAML, secrets hidden.',
  'prometheus-flags': 'Command-line flags and their values.',
  'prometheus-tsdb-status': 'Head block statistics and cardinality: series by metric, label values, memory by label, label pairs.',
  'prometheus-status': 'Runtime and build information.',
  datasources: 'Prometheus, Loki, Tempo and Alertmanager connections: add, edit, test.',
  users: 'Who can sign in, and their role.',
  serviceaccounts: 'Accounts for machines, and their API tokens.',
};

/** A section's landing page (as Grafana's): a card per page in it. */
export function SectionPage(props: { nav: string }) {
  const trail = navTrail(props.nav);
  const item = trail[trail.length - 1];
  if (!item) return <div className="page">Unknown section</div>;
  return (
    <div className="page">
      <h2>{item.title}</h2>
      <ul className="section-cards" data-testid="section-cards">
        {(item.children ?? NAV).map((c) => (
          <li key={c.id} className="section-card">
            <Link to={c.path}>{c.title}</Link>
            <p className="muted">{BLURB[c.id] ?? ''}</p>
          </li>
        ))}
      </ul>
    </div>
  );
}

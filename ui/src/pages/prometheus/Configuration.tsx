import { CopyButton } from '../../components/CopyButton';
import { PrometheusPage } from './PrometheusPage';

/**
 * Prometheus's Configuration page: the loaded configuration as YAML (`status/config`). The server puts `<secret>` in
 * place of passwords, tokens and keys; the page shows what it is given.
 */
export function ConfigurationPage() {
  return (
    <PrometheusPage<{ yaml: string }> title="Configuration" api="status/config" testId="config-page">
      {(d) => (
        <section className="config-yaml">
          <div className="toolbar"><CopyButton text={d.yaml} label="Copy to clipboard" /></div>
          {/* focusable: long lines scroll sideways, and keyboard users must be able to scroll them */}
          <pre tabIndex={0} aria-label="Configuration YAML" data-testid="config-yaml">{d.yaml}</pre>
        </section>
      )}
    </PrometheusPage>
  );
}

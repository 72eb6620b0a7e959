import { PrometheusPage } from './PrometheusPage';

function KeyValues(props: { data: Record<string, unknown>; testId: string }) {
  return (
    <table className="result-table kv" data-testid={props.testId}>
      <tbody>
        {Object.entries(props.data).map(([k, v]) => (
          <tr key={k}>
            <td className="attr-key">{k}</td>
            <td>{typeof v === 'string' ? v : JSON.stringify(v)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Prometheus's Status page: build information (runtime information and flags are for the Prometheus pages to add). */
export function StatusPage() {
  return (
    <PrometheusPage<Record<string, unknown>> title="Status" api="status/buildinfo" testId="status-page">
      {(d) => (
        <>
          <h3>Build information</h3>
          <KeyValues data={d} testId="buildinfo" />
        </>
      )}
    </PrometheusPage>
  );
}

/** A two-column table of names and values (runtime and build information, flags); objects shown as JSON. */
export function KeyValueTable(props: { data: Record<string, unknown>; testId: string; label: string; format?: (key: string, value: unknown) => string }) {
  const show = props.format ?? ((_k: string, v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v)));
  return (
    <table className="result-table kv" data-testid={props.testId} aria-label={props.label}>
      <tbody>
        {Object.entries(props.data).map(([k, v]) => (
          <tr key={k} data-testid="kv-row">
            <th scope="row" className="attr-key">{k}</th>
            <td className="kv-value">{show(k, v)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

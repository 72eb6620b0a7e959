import type { PromSeries } from '../lib/prometheus';
import { seriesName } from '../lib/legend';
import { formatValue, type Unit } from '../lib/units';

/** Table view: one row per series with its labels as columns and the (last) value. */
export function ResultTable(props: { result: PromSeries[]; legend: string; unit: Unit }) {
  const labelNames = [...new Set(props.result.flatMap((s) => Object.keys(s.metric)))].sort((a, b) => (a === '__name__' ? -1 : b === '__name__' ? 1 : a.localeCompare(b)));
  const rows = props.result.map((s) => {
    const sample = s.value ?? s.values?.[s.values.length - 1];
    return { s, time: sample?.[0], value: sample ? parseFloat(sample[1]) : null };
  });
  return (
    <div className="table-wrap">
      <table className="result-table" data-testid="result-table">
        <thead>
          <tr>
            <th>Series</th>
            <th>Time</th>
            {labelNames.map((l) => (
              <th key={l}>{l}</th>
            ))}
            <th className="num">Value</th>
          </tr>
        </thead>
        <tbody>
          {rows.map(({ s, time, value }, i) => (
            <tr key={i}>
              <td>{seriesName(s.metric, props.legend)}</td>
              <td>{time !== undefined ? new Date(time * 1000).toLocaleString() : ''}</td>
              {labelNames.map((l) => (
                <td key={l}>{s.metric[l] ?? ''}</td>
              ))}
              <td className="num">{formatValue(value, props.unit)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

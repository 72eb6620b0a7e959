import { formatDateTime } from '../../lib/time';
import { PrometheusPage } from './PrometheusPage';

interface Stat {
  name: string;
  value: number;
}

interface TsdbStatus {
  headStats?: { numSeries: number; numLabelPairs: number; chunkCount: number; minTime: number; maxTime: number };
  seriesCountByMetricName: Stat[] | null;
  labelValueCountByLabelName: Stat[] | null;
  memoryInBytesByLabelName: Stat[] | null;
  seriesCountByLabelValuePair: Stat[] | null;
}

/** A head time: a date for people; an empty head has no times (Prometheus sends ±MaxInt64-ish bounds then). */
function headTime(ms: number): string {
  return Number.isFinite(ms) && ms > 0 && ms < 8.64e15 ? formatDateTime(ms) : '—';
}

function StatTable(props: { id: string; title: string; unit: string; stats: Stat[] | null }) {
  const stats = props.stats ?? [];
  return (
    <section className="pool" data-testid={`tsdb-${props.id}`}>
      <h3>{props.title}</h3>
      {stats.length === 0 ? (
        <p className="muted">None.</p>
      ) : (
        <table className="result-table">
          <thead>
            <tr><th>Name</th><th className="num">{props.unit}</th></tr>
          </thead>
          <tbody>
            {stats.map((s) => (
              <tr key={s.name} data-testid="tsdb-stat">
                <td className="mono tsdb-stat-name">{s.name}</td>
                <td className="num tsdb-stat-value">{s.value}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/**
 * Prometheus's TSDB status page (`status/tsdb`): the head block's figures and its cardinality — series by metric
 * name, label values by label name, memory by label name, series by label pair — top ten each, numbers as the API
 * gives them.
 */
export function TsdbStatusPage() {
  return (
    <PrometheusPage<TsdbStatus> title="TSDB status" api="status/tsdb" testId="tsdb-page">
      {(d) => (
        <>
          {d.headStats && (
            <section className="pool" data-testid="tsdb-head">
              <h3>Head stats</h3>
              <table className="result-table">
                <thead>
                  <tr><th className="num">Number of series</th><th className="num">Number of chunks</th><th className="num">Number of label pairs</th><th>Current min time</th><th>Current max time</th></tr>
                </thead>
                <tbody>
                  <tr>
                    <td className="num" data-testid="head-numSeries">{d.headStats.numSeries}</td>
                    <td className="num" data-testid="head-chunkCount">{d.headStats.chunkCount}</td>
                    <td className="num" data-testid="head-numLabelPairs">{d.headStats.numLabelPairs}</td>
                    <td data-testid="head-minTime">{headTime(d.headStats.minTime)}</td>
                    <td data-testid="head-maxTime">{headTime(d.headStats.maxTime)}</td>
                  </tr>
                </tbody>
              </table>
            </section>
          )}
          <h3>Head cardinality</h3>
          <div className="tsdb-grid">
            <StatTable id="seriesCountByMetricName" title="Series count by metric name" unit="Series" stats={d.seriesCountByMetricName} />
            <StatTable id="labelValueCountByLabelName" title="Label names with the most values" unit="Values" stats={d.labelValueCountByLabelName} />
            <StatTable id="memoryInBytesByLabelName" title="Label names by memory use" unit="Bytes" stats={d.memoryInBytesByLabelName} />
            <StatTable id="seriesCountByLabelValuePair" title="Series count by label value pair" unit="Series" stats={d.seriesCountByLabelValuePair} />
          </div>
        </>
      )}
    </PrometheusPage>
  );
}

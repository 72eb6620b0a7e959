import type { LogRow } from '../../../lib/logs';
import { formatDateTime } from '../../../lib/time';

/** Logs panels: newest first, time and line, coloured by detected level. */
export function LogsPanel(props: { rows: LogRow[]; showTime: boolean; wrap: boolean }) {
  return (
    <ul className={props.wrap ? 'log-rows wrap dash-logs' : 'log-rows dash-logs'} data-testid="panel-logs">
      {props.rows.map((r) => (
        <li key={`${r.tsNs}-${r.seq}`} className={`log-row level-${r.level}`}>
          <div className="log-main">
            {props.showTime && <span className="log-time">{formatDateTime(r.timeMs)}</span>}
            <span className="log-line">{r.line}</span>
          </div>
        </li>
      ))}
    </ul>
  );
}

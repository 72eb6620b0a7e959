import { useMemo, useState } from 'react';
import { LogContext } from './LogContext';
import { splitMatches } from '../lib/line-filter';
import { compileDerivedFields, detectedFields, linksFor, type DerivedField, type DerivedLink, type LogRow } from '../lib/logs';

function fmtTime(ms: number): string {
  const d = new Date(ms);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

/** Log lines: time, level colour, the line; a click shows labels, detected fields, derived-field links and "show context". */
export function LogsView(props: { uid: string; rows: LogRow[]; wrap: boolean; derivedFields: DerivedField[]; onLink: (l: DerivedLink) => void; highlight?: string[] }) {
  const [open, setOpen] = useState<number | null>(null);
  const [context, setContext] = useState<LogRow | undefined>();
  const compiled = useMemo(() => compileDerivedFields(props.derivedFields), [props.derivedFields]);
  const common = useMemo(() => {
    if (props.rows.length === 0) return {} as Record<string, string>;
    const first = props.rows[0].labels;
    return Object.fromEntries(Object.entries(first).filter(([k, v]) => props.rows.every((r) => r.labels[k] === v)));
  }, [props.rows]);
  return (
    <div className="logs">
      {Object.keys(common).length > 0 && (
        <div className="muted logs-common">
          Common labels:{' '}
          {Object.entries(common).map(([k, v]) => (
            <span key={k} className="label-chip">
              {k}={v}
            </span>
          ))}
        </div>
      )}
      <ul className={props.wrap ? 'log-rows wrap' : 'log-rows'} data-testid="log-rows">
        {props.rows.map((r, i) => {
          const links = linksFor(r.line, compiled);
          return (
            <li key={`${r.tsNs}-${r.seq}`} className={`log-row level-${r.level}`} data-level={r.level}>
              <div className="log-main" onClick={() => setOpen(open === i ? null : i)}>
                <span className="log-time">{fmtTime(r.timeMs)}</span>
                <span className="log-line">{props.highlight && props.highlight.length > 0 ? splitMatches(r.line, props.highlight).map((p, k) => (p.match ? <mark key={k}>{p.text}</mark> : p.text)) : r.line}</span>
              </div>
              {open === i && (
                <div className="log-details">
                  <table>
                    <tbody>
                      {Object.entries(r.labels).map(([k, v]) => (
                        <tr key={'l' + k}>
                          <td className="muted">label</td>
                          <td>{k}</td>
                          <td>{v}</td>
                        </tr>
                      ))}
                      {Object.entries(detectedFields(r.line)).map(([k, v]) => (
                        <tr key={'f' + k}>
                          <td className="muted">field</td>
                          <td>{k}</td>
                          <td>{v}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                  <button className="btn secondary" data-testid="show-context" onClick={() => setContext(context === r ? undefined : r)}>
                    {context === r ? 'Hide context' : 'Show context'}
                  </button>
                </div>
              )}
              {context === r && <LogContext uid={props.uid} row={r} fmtTime={fmtTime} onClose={() => setContext(undefined)} />}
              {links.length > 0 && (
                <div className="log-links">
                  {links.map((l) =>
                    l.href ? (
                      <a key={l.name} href={l.href} target="_blank" rel="noreferrer noopener">
                        {l.label}
                      </a>
                    ) : (
                      <button key={l.name} className="link" data-testid="derived-link" onClick={() => props.onLink(l)}>
                        {l.label}
                      </button>
                    ),
                  )}
                </div>
              )}
            </li>
          );
        })}
      </ul>
    </div>
  );
}

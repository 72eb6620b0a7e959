import { useEffect, useMemo, useState } from 'react';
import { apiFetch, proxyPath, type Datasource } from '../lib/api';
import { compileDerivedFields, flattenStreams, linksFor, type DerivedField, type DerivedLink, type LokiStream } from '../lib/logs';
import { lokiQueryRange } from '../lib/loki';
import { formatDateTime } from '../lib/time';

/** How far back and how many lines the tester reads. */
const WINDOW_MS = 3600_000;
const LIMIT = 10;

interface TestLine {
  /** A local date-time, or "pasted". */
  source: string;
  line: string;
}

const ns = (ms: number) => String(BigInt(Math.round(ms)) * 1_000_000n);

/**
 * The first stream of the last hour as a selector (`{name="value"}` of the first label name and its first value),
 * when the user names none: what there is to test against without knowing the labels.
 */
async function firstStream(uid: string, start: string, end: string): Promise<string | undefined> {
  const range = `start=${start}&end=${end}`;
  const names = (await apiFetch<{ data?: string[] }>(`${proxyPath(uid)}/loki/api/v1/labels?${range}`)).data ?? [];
  const name = names.find((n) => !n.startsWith('__'));
  if (!name) return undefined;
  const values = (await apiFetch<{ data?: string[] }>(`${proxyPath(uid)}/loki/api/v1/label/${encodeURIComponent(name)}/values?${range}`)).data ?? [];
  if (values.length === 0) return undefined;
  return `{${name}="${values[0]!.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"}`;
}

/** The link a derived field makes, as it will be shown on a log line: the URL, or the query in a datasource. */
function LinkShown(props: { link: DerivedLink; datasources: Datasource[] }) {
  const l = props.link;
  if (l.href) return <a href={l.href} target="_blank" rel="noreferrer" data-testid="df-test-link">{l.href}</a>;
  const ds = props.datasources.find((d) => d.uid === l.datasourceUid);
  return (
    <span data-testid="df-test-link">
      {ds?.name ?? l.datasourceUid}: <code>{l.label.startsWith(`${l.name}: `) ? l.label.slice(l.name.length + 2) : l.value}</code>
    </span>
  );
}

/**
 * The derived fields' live tester (Grafana's "Show example log message" / debug section, against real lines): the
 * saved datasource's recent lines (the last hour, a selector the user writes or the first stream), plus a pasted
 * line; per line, each field's value and the link it makes, or no match.
 */
export function DerivedFieldsTester(props: { uid?: string; fields: DerivedField[]; datasources: Datasource[] }) {
  const [selector, setSelector] = useState('');
  const [pasted, setPasted] = useState('');
  const [fetched, setFetched] = useState<TestLine[]>([]);
  const [used, setUsed] = useState('');
  const [error, setError] = useState('');
  const [loading, setLoading] = useState(false);
  const compiled = useMemo(() => compileDerivedFields(props.fields), [props.fields]);

  const load = async (uid: string, wanted: string) => {
    setLoading(true);
    setError('');
    try {
      const now = Date.now();
      const start = ns(now - WINDOW_MS);
      const end = ns(now);
      const query = wanted.trim() || (await firstStream(uid, start, end));
      if (!query) {
        setFetched([]);
        setUsed('');
        setError('No log lines in the last hour.');
        return;
      }
      const { body } = await lokiQueryRange(uid, { query, limit: String(LIMIT), direction: 'backward', start, end });
      const rows = flattenStreams((body.data?.result ?? []) as LokiStream[], 'backward');
      setFetched(rows.map((r) => ({ source: formatDateTime(r.timeMs), line: r.line })));
      setUsed(query);
      if (rows.length === 0) setError(`No lines for ${query} in the last hour.`);
    } catch (e) {
      setFetched([]);
      setError((e as Error).message);
    } finally {
      setLoading(false);
    }
  };

  // the saved datasource's lines as soon as there is one (and again after a save)
  useEffect(() => {
    if (props.uid) void load(props.uid, '');
  }, [props.uid]);

  const lines: TestLine[] = [...(pasted ? [{ source: 'pasted', line: pasted }] : []), ...fetched];
  const named = props.fields.filter((f) => f.name || f.matcherRegex);
  return (
    <div className="df-tester" data-testid="df-tester">
      <h4>Test against log lines</h4>
      {props.uid ? (
        <form className="row wrap" aria-label="Recent lines" onSubmit={(e) => { e.preventDefault(); void load(props.uid!, selector); }}>
          <label className="grow">
            Selector (empty: the first stream of the last hour)
            <input name="df-selector" placeholder={'{app="shop"}'} value={selector} onChange={(e) => setSelector(e.target.value)} />
          </label>
          <button type="submit" className="btn secondary small" disabled={loading}>{loading ? 'Fetching…' : 'Fetch recent lines'}</button>
        </form>
      ) : (
        <p className="muted">Save the data source to test the fields against its recent lines; until then, paste a line.</p>
      )}
      <label>
        Or paste a line
        <input name="df-sample" value={pasted} onChange={(e) => setPasted(e.target.value)} placeholder={'{"level":"error","trace_id":"4bf92f3577b34da6a3ce929d0e0e4736"}'} />
      </label>
      {used && <p className="muted" data-testid="df-tester-query">The last {LIMIT} lines of <code>{used}</code>, last hour.</p>}
      {error && <p className="muted" role="status">{error}</p>}
      {lines.length > 0 && named.length > 0 && (
        <table className="result-table df-test-table" data-testid="df-test-lines">
          <thead>
            <tr>
              <th>Line</th>
              {named.map((f, i) => <th key={i}>{f.name || `field ${i + 1}`}</th>)}
            </tr>
          </thead>
          <tbody>
            {lines.map((l, i) => {
              const links = linksFor(l.line, compiled);
              return (
                <tr key={i} data-testid="df-test-line" data-matches={links.length}>
                  <td className="df-test-text"><span className="muted">{l.source}</span> <code className="mono">{l.line}</code></td>
                  {named.map((f, j) => {
                    const link = links.find((x) => x.name === f.name);
                    const invalid = !compiled.some((c) => c.field === f);
                    return (
                      <td key={j} data-testid="df-test-result" data-field={f.name}>
                        {invalid ? (
                          <span className="error-text">invalid regex</span>
                        ) : link ? (
                          <>
                            <code><strong>{link.value}</strong></code> <LinkShown link={link} datasources={props.datasources} />
                          </>
                        ) : (
                          <span className="muted">no match</span>
                        )}
                      </td>
                    );
                  })}
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </div>
  );
}

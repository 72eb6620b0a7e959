import { useEffect, useMemo, useRef, useState } from 'react';
import { Graph } from '../components/Graph';
import { LogsPane } from '../components/LogsPane';
import { TracePane, type TraceQueryType } from '../components/TracePane';
import { MetricsBrowser } from '../components/MetricsBrowser';
import { PromqlEditor } from '../components/PromqlEditor';
import { ResultTable } from '../components/ResultTable';
import { TimeRangePicker } from '../components/TimeRangePicker';
import { listDatasources, proxyPath, type Datasource } from '../lib/api';
import { matrixToGraph, promQuery, PromQueryError, type GraphData, type PromSeries, type QueryInspection } from '../lib/prometheus';
import { navigate, useLocation } from '../lib/router';
import { autoStepMs, parsePromDuration, resolveRange, type TimeRange } from '../lib/time';
import { UNITS, type Unit } from '../lib/units';

/** Everything an Explore view is, kept in the URL so a link reproduces it. */
interface ExploreState {
  ds: string;
  expr: string;
  from: string;
  to: string;
  qt: 'range' | 'instant';
  step: string;
  legend: string;
  view: 'graph' | 'table';
  unit: Unit;
  stack: boolean;
  /** Auto-refresh interval (`5s`, `1m`, ...) or empty for off. */
  refresh: string;
  /** Logs: newest first (backward) or oldest first (forward); wrap lines. */
  dir: 'backward' | 'forward';
  wrap: boolean;
  /** Traces: trace ID, search form, TraceQL or service graph. */
  tq: TraceQueryType;
}

const TRACE_QUERY_TYPES: TraceQueryType[] = ['traceid', 'search', 'traceql', 'servicemap'];

const REFRESH_INTERVALS = ['', '5s', '10s', '30s', '1m', '5m'];

function readState(search: URLSearchParams, defaultDs: string): ExploreState {
  const unit = search.get('unit');
  return {
    ds: search.get('ds') ?? defaultDs,
    expr: search.get('expr') ?? '',
    from: search.get('from') ?? 'now-1h',
    to: search.get('to') ?? 'now',
    qt: search.get('qt') === 'instant' ? 'instant' : 'range',
    step: search.get('step') ?? '',
    legend: search.get('legend') ?? '',
    view: search.get('view') === 'table' ? 'table' : 'graph',
    unit: UNITS.some((u) => u.value === unit) ? (unit as Unit) : 'short',
    stack: search.get('stack') === '1',
    refresh: REFRESH_INTERVALS.includes(search.get('refresh') ?? '') ? (search.get('refresh') ?? '') : '',
    dir: search.get('dir') === 'forward' ? 'forward' : 'backward',
    wrap: search.get('wrap') === '1',
    tq: TRACE_QUERY_TYPES.includes(search.get('tq') as TraceQueryType) ? (search.get('tq') as TraceQueryType) : search.get('expr') ? 'traceid' : 'search',
  };
}

function toParams(s: ExploreState): string {
  const p = new URLSearchParams();
  p.set('ds', s.ds);
  if (s.expr) p.set('expr', s.expr);
  p.set('from', s.from);
  p.set('to', s.to);
  if (s.qt !== 'range') p.set('qt', s.qt);
  if (s.step) p.set('step', s.step);
  if (s.legend) p.set('legend', s.legend);
  if (s.view !== 'graph') p.set('view', s.view);
  if (s.unit !== 'short') p.set('unit', s.unit);
  if (s.stack) p.set('stack', '1');
  if (s.refresh) p.set('refresh', s.refresh);
  if (s.dir !== 'backward') p.set('dir', s.dir);
  if (s.wrap) p.set('wrap', '1');
  // only when it is not what the expression implies (a trace ID without it, the search form with none)
  if (s.tq !== (s.expr ? 'traceid' : 'search')) p.set('tq', s.tq);
  return p.toString();
}

/** The URL of an Explore view: the left pane's state as parameters, the right pane's (split view) in `split`. */
function exploreUrl(left: ExploreState, right?: ExploreState): string {
  return `/explore?${toParams(left)}${right ? `&split=${encodeURIComponent(toParams(right))}` : ''}`;
}

function currentStates(defaultDs: string): { left: ExploreState; right?: ExploreState } {
  const search = new URLSearchParams(location.search);
  const split = search.get('split');
  return { left: readState(search, defaultDs), right: split !== null ? readState(new URLSearchParams(split), defaultDs) : undefined };
}

function browserRange(s: ExploreState): { startSec: number; endSec: number } {
  try {
    const r = resolveRange({ from: s.from, to: s.to }, Date.now());
    return { startSec: Math.floor(r.start / 1000), endSec: Math.ceil(r.end / 1000) };
  } catch {
    const now = Math.floor(Date.now() / 1000);
    return { startSec: now - 3600, endSec: now };
  }
}

interface Result {
  resultType: string;
  series: PromSeries[];
  graph?: GraphData;
  warnings: string[];
  stepMs?: number;
}

/** Explore: one pane, or two side by side (split view), all state in the URL. */
export function ExplorePage() {
  const { search } = useLocation();
  const [datasources, setDatasources] = useState<Datasource[] | undefined>();
  const [loadError, setLoadError] = useState('');
  useEffect(() => {
    listDatasources().then(setDatasources, (e: Error) => setLoadError(e.message));
  }, []);
  if (loadError) return <div className="page"><div className="alert error">{loadError}</div></div>;
  if (!datasources) return <div className="page">Loading…</div>;
  if (datasources.length === 0) return <div className="page"><div className="alert info">No data sources: add one under Data sources.</div></div>;
  const metricsSources = datasources.filter((d) => d.type === 'prometheus');
  const defaultDs = (datasources.find((d) => d.isDefault) ?? metricsSources[0] ?? datasources[0]).uid;
  const left = readState(search, defaultDs);
  const split = search.get('split');
  const right = split !== null ? readState(new URLSearchParams(split), defaultDs) : undefined;
  const go = (l: ExploreState, r: ExploreState | undefined, replace = false) => navigate(exploreUrl(l, r), replace);
  return (
    <div className="page explore">
      <h2 className="explore-title">Explore</h2>
      <div className={right ? 'explore-split' : ''}>
        <ExplorePane
          key="left"
          pane="left"
          datasources={datasources}
          state={left}
          update={(patch, replace) => {
            const cur = currentStates(defaultDs);
            go({ ...cur.left, ...patch }, cur.right, replace);
          }}
          openLink={(s) => go(currentStates(defaultDs).left, s)}
          onSplit={right ? undefined : () => go(left, left)}
        />
        {right && (
          <ExplorePane
            key="right"
            pane="right"
            datasources={datasources}
            state={right}
            update={(patch, replace) => {
              const cur = currentStates(defaultDs);
              go(cur.left, { ...(cur.right ?? right), ...patch }, replace);
            }}
            openLink={(s) => go(s, currentStates(defaultDs).right)}
            onClose={() => go(currentStates(defaultDs).left, undefined)}
          />
        )}
      </div>
    </div>
  );
}

interface PaneProps {
  pane: 'left' | 'right';
  datasources: Datasource[];
  state: ExploreState;
  update: (patch: Partial<ExploreState>, replace?: boolean) => void;
  /** Open a linked view (trace from a log line, logs from a span) in the other pane. */
  openLink: (s: ExploreState) => void;
  onSplit?: () => void;
  onClose?: () => void;
}

function ExplorePane(props: PaneProps) {
  const { datasources, state, update } = props;
  const metricsSources = useMemo(() => datasources.filter((d) => d.type === 'prometheus'), [datasources]);
  const [draft, setDraft] = useState(state.expr);
  const [legendDraft, setLegendDraft] = useState(state.legend);
  const [stepDraft, setStepDraft] = useState(state.step);
  const [result, setResult] = useState<Result | undefined>();
  const [error, setError] = useState<{ type: string; message: string } | undefined>();
  const [inspection, setInspection] = useState<QueryInspection | undefined>();
  const [running, setRunning] = useState(false);
  const [browserOpen, setBrowserOpen] = useState(false);
  const graphBox = useRef<HTMLDivElement>(null);
  // What the Loki or Tempo (TraceQL, trace ID) editor holds but has not run yet (PromQL's is `draft`).
  const otherDraft = useRef(state.expr);
  useEffect(() => {
    otherDraft.current = state.expr;
  }, [state.expr]);
  const anyDs = datasources.find((d) => d.uid === state.ds);
  const ds = metricsSources.find((d) => d.uid === state.ds);


  // Run whenever the URL's query state changes (including back/forward and shared links).
  const runKey = JSON.stringify([state.ds, state.expr, state.from, state.to, state.qt, state.step, state.legend]);
  const [refreshTick, setRefreshTick] = useState(0);
  useEffect(() => {
    setDraft(state.expr);
    setLegendDraft(state.legend);
    setStepDraft(state.step);
    if (!ds || state.expr.trim() === '') {
      setResult(undefined);
      setError(undefined);
      return;
    }
    let cancelled = false;
    (async () => {
      setRunning(true);
      setError(undefined);
      try {
        const { start, end } = resolveRange({ from: state.from, to: state.to }, Date.now());
        const method = ds.jsonData.httpMethod === 'GET' ? 'GET' : 'POST';
        if (state.qt === 'instant') {
          const { body, inspection } = await promQuery(ds.uid, 'query', { query: state.expr, time: String(end / 1000) }, method);
          if (cancelled) return;
          setInspection(inspection);
          const d = body.data!;
          const series: PromSeries[] = d.resultType === 'vector' ? (d.result as PromSeries[]) : d.resultType === 'scalar' || d.resultType === 'string' ? [{ metric: {}, value: d.result as [number, string] }] : (d.result as PromSeries[]);
          setResult({ resultType: d.resultType, series, warnings: body.warnings ?? [] });
        } else {
          const minStep = parsePromDuration(String(ds.jsonData.timeInterval ?? '')) ?? 1000;
          const width = graphBox.current?.clientWidth ?? 1000;
          const explicit = state.step ? parsePromDuration(state.step) : undefined;
          if (state.step && explicit === undefined) throw new PromQueryError(`invalid step ${JSON.stringify(state.step)}: use a duration like 15s or 1m`, 'bad_data');
          const stepMs = explicit ?? autoStepMs(end - start, width, minStep);
          const stepSec = stepMs / 1000;
          const startSec = Math.floor(start / stepMs) * stepSec;
          const endSec = Math.floor(end / stepMs) * stepSec;
          const { body, inspection } = await promQuery(ds.uid, 'query_range', { query: state.expr, start: String(startSec), end: String(endSec), step: String(stepSec) }, method);
          if (cancelled) return;
          setInspection(inspection);
          const series = body.data!.result as PromSeries[];
          performance.mark('sightline:query-done', { detail: { series: series.length, ms: inspection.durationMs } });
          setResult({ resultType: body.data!.resultType, series, graph: matrixToGraph(series, startSec, endSec, stepSec, state.legend), warnings: body.warnings ?? [], stepMs });
        }
      } catch (e) {
        if (cancelled) return;
        setResult(undefined);
        if (e instanceof PromQueryError) {
          setInspection(e.inspection);
          setError({ type: e.errorType, message: e.message });
        } else setError({ type: 'error', message: (e as Error).message });
      } finally {
        if (!cancelled) setRunning(false);
      }
    })();
    return () => {
      cancelled = true;
    };
  }, [runKey, ds?.uid, refreshTick]);

  // Auto-refresh re-runs the query (relative ranges move with "now").
  useEffect(() => {
    const ms = state.refresh ? parsePromDuration(state.refresh) : undefined;
    if (!ms) return;
    const t = setInterval(() => setRefreshTick((x) => x + 1), ms);
    return () => clearInterval(t);
  }, [state.refresh]);

  const run = (expr = draft) => {
    if (expr === state.expr && legendDraft === state.legend && stepDraft === state.step) setRefreshTick((t) => t + 1);
    else update({ expr, legend: legendDraft, step: stepDraft });
  };

  const range: TimeRange = { from: state.from, to: state.to };
  return (
    <div className="explore-pane" data-testid={`explore-pane-${props.pane}`}>
      <div className="toolbar">
        <select aria-label="Data source" data-testid="datasource-picker" value={state.ds} onChange={(e) => {
            // a query of one language means nothing to another: switching type starts empty (traces: the search form)
            const next = datasources.find((d) => d.uid === e.target.value);
            update(next && next.type !== anyDs?.type ? { ds: e.target.value, expr: '', tq: 'search' } : { ds: e.target.value });
          }}>
          {datasources.map((d) => (
            <option key={d.uid} value={d.uid}>
              {d.name} ({d.typeName})
            </option>
          ))}
        </select>
        <span className="spacer" />
        <TimeRangePicker
          value={range}
          onChange={(r) => {
            // as in Grafana, a new range runs what the editor holds (run or not): it must not drop a typed query
            if (ds) update({ from: r.from, to: r.to, expr: draft, legend: legendDraft, step: stepDraft });
            else if (anyDs?.type === 'loki' || (anyDs?.type === 'tempo' && (state.tq === 'traceql' || state.tq === 'traceid'))) update({ from: r.from, to: r.to, expr: otherDraft.current });
            else update({ from: r.from, to: r.to });
          }}
        />
        {ds && (
          <button className="btn primary" data-testid="run-query" onClick={() => run()} disabled={running}>
            {running ? 'Running…' : 'Run query'}
          </button>
        )}
        <select aria-label="Auto refresh" data-testid="refresh-picker" value={state.refresh} onChange={(e) => update({ refresh: e.target.value }, true)}>
          {REFRESH_INTERVALS.map((r) => (
            <option key={r} value={r}>
              {r ? `Refresh every ${r}` : 'Auto refresh off'}
            </option>
          ))}
        </select>
        {props.onSplit && (
          <button className="btn secondary" data-testid="split-open" onClick={props.onSplit}>
            Split
          </button>
        )}
        {props.onClose && (
          <button className="btn secondary" data-testid="split-close" onClick={props.onClose}>
            Close
          </button>
        )}
      </div>
      {!anyDs && <div className="alert error">Data source {JSON.stringify(state.ds)} not found.</div>}
      {anyDs?.type === 'loki' && (
        <LogsPane
          ds={anyDs}
          state={state}
          refreshTick={refreshTick}
          update={update}
          onDraft={(v) => (otherDraft.current = v)}
          onLink={(l) => l.datasourceUid && props.openLink({ ...state, ds: l.datasourceUid, expr: l.value, legend: '', step: '', refresh: '' })}
        />
      )}
      {anyDs?.type === 'tempo' && <TracePane
          ds={anyDs}
          expr={state.expr}
          tq={state.tq}
          from={state.from}
          to={state.to}
          update={(p) => update(p)}
          onDraft={(v) => (otherDraft.current = v)}
          onLogs={(uid, expr, fromMs, toMs) => props.openLink({ ...state, ds: uid, expr, from: String(Math.floor(fromMs)), to: String(Math.ceil(toMs)), legend: '', step: '', refresh: '' })}
        />}
      {ds && (
        <div className="query-row">
          <div className="editor-row">
            <button className="btn secondary" data-testid="metrics-browser-toggle" onClick={() => setBrowserOpen(!browserOpen)}>
              Metrics browser {browserOpen ? '▴' : '▾'}
            </button>
            <PromqlEditor value={draft} datasourceUrl={proxyPath(ds.uid)} onChange={setDraft} onRun={(v) => run(v)} />
          </div>
          {browserOpen && (
            <MetricsBrowser
              uid={ds.uid}
              {...browserRange(state)}
              onUse={(sel) => {
                setBrowserOpen(false);
                setDraft(sel);
                update({ expr: sel, legend: legendDraft, step: stepDraft });
              }}
            />
          )}
          <div className="query-options">
            <label>
              Legend
              <input data-testid="legend-format" placeholder="{{label}}" value={legendDraft} onChange={(e) => setLegendDraft(e.target.value)} onKeyDown={(e) => e.key === 'Enter' && run()} />
            </label>
            <label>
              Min step
              <input placeholder="auto" size={6} value={stepDraft} onChange={(e) => setStepDraft(e.target.value)} onKeyDown={(e) => e.key === 'Enter' && run()} />
            </label>
            <div className="seg" role="group" aria-label="Query type">
              <button className={state.qt === 'range' ? 'on' : ''} onClick={() => update({ qt: 'range' })}>
                Range
              </button>
              <button className={state.qt === 'instant' ? 'on' : ''} onClick={() => update({ qt: 'instant' })}>
                Instant
              </button>
            </div>
            <div className="seg" role="group" aria-label="View">
              <button className={state.view === 'graph' ? 'on' : ''} onClick={() => update({ view: 'graph' }, true)}>
                Graph
              </button>
              <button className={state.view === 'table' ? 'on' : ''} onClick={() => update({ view: 'table' }, true)}>
                Table
              </button>
            </div>
            <label>
              Unit
              <select value={state.unit} onChange={(e) => update({ unit: e.target.value as Unit }, true)}>
                {UNITS.map((u) => (
                  <option key={u.value} value={u.value}>
                    {u.label}
                  </option>
                ))}
              </select>
            </label>
            <label className="check">
              <input type="checkbox" checked={state.stack} onChange={(e) => update({ stack: e.target.checked }, true)} /> Stack
            </label>
          </div>
        </div>
      )}
      {ds && <div ref={graphBox} className="results">
        {error && (
          <div className="alert error" role="alert" data-testid="query-error">
            <strong>{error.type}</strong>: {error.message}
          </div>
        )}
        {result?.warnings.map((w) => (
          <div key={w} className="alert warning">
            {w}
          </div>
        ))}
        {result && (
          <div className="result-meta muted" data-testid="result-meta">
            {result.series.length} series{result.stepMs ? `, step ${result.stepMs / 1000}s` : ''}
            {inspection ? `, ${Math.round(inspection.durationMs)} ms` : ''}
          </div>
        )}
        {result && result.series.length === 0 && <div className="muted">No data</div>}
        {result && result.series.length > 0 && (state.view === 'table' || !result.graph ? <ResultTable result={result.series} legend={state.legend} unit={state.unit} /> : <Graph data={result.graph} options={{ stacked: state.stack, unit: state.unit }} />)}
        {inspection && (
          <details className="inspector" data-testid="query-inspector">
            <summary>Query inspector</summary>
            <div className="muted">
              {inspection.method} {inspection.url} → HTTP {inspection.status} in {inspection.durationMs.toFixed(1)} ms, {inspection.bytes} bytes
            </div>
            <pre>{JSON.stringify(inspection.params, null, 2)}</pre>
            <pre className="inspector-response">{JSON.stringify(inspection.response, null, 2).slice(0, 200_000)}</pre>
          </details>
        )}
      </div>}
    </div>
  );
}

import { useEffect, useRef, useState } from 'react';
import { proxyPath, type Datasource } from '../lib/api';
import { isMetricQuery, lokiQueryRange } from '../lib/loki';
import { lineFilterTerms } from '../lib/line-filter';
import { logVolumeQuery, volumeByLevel, volumeTotal } from '../lib/log-volume';
import { flattenStreams, type DerivedField, type DerivedLink, type LogRow, type LokiStream } from '../lib/logs';
import { matrixToGraph, PromQueryError, type GraphData, type PromSeries, type QueryInspection } from '../lib/prometheus';
import { autoStepMs, resolveRange } from '../lib/time';
import { Graph } from './Graph';
import { LogqlEditor } from './LogqlEditor';
import { LogsView } from './LogsView';

export interface LogsState {
  expr: string;
  from: string;
  to: string;
  legend: string;
  dir: 'backward' | 'forward';
  wrap: boolean;
}

/** Explore for a Loki datasource: LogQL editor, log volume, lines (or a graph for metric queries), derived links. */
export function LogsPane(props: { ds: Datasource; state: LogsState; refreshTick: number; update: (p: Partial<LogsState>, replace?: boolean) => void; onLink: (l: DerivedLink) => void; onDraft?: (expr: string) => void }) {
  const { ds, state } = props;
  const [draft, setDraft] = useState(state.expr);
  const [rows, setRows] = useState<LogRow[] | undefined>();
  const [graph, setGraph] = useState<GraphData | undefined>();
  const [volume, setVolume] = useState<GraphData | undefined>();
  const [error, setError] = useState<{ type: string; message: string } | undefined>();
  const [inspection, setInspection] = useState<QueryInspection | undefined>();
  const [running, setRunning] = useState(false);
  const [live, setLive] = useState(false);
  const [liveError, setLiveError] = useState('');
  const box = useRef<HTMLDivElement>(null);
  const derivedFields = (ds.jsonData.derivedFields as DerivedField[] | undefined) ?? [];
  const maxLines = Number(ds.jsonData.maxLines) > 0 ? Number(ds.jsonData.maxLines) : 1000;

  useEffect(() => {
    setDraft(state.expr);
    setRows(undefined);
    setGraph(undefined);
    setVolume(undefined);
    setError(undefined);
    if (state.expr.trim() === '') return;
    let cancelled = false;
    (async () => {
      setRunning(true);
      try {
        const { start, end } = resolveRange({ from: state.from, to: state.to }, Date.now());
        const stepMs = autoStepMs(end - start, box.current?.clientWidth ?? 1000);
        const ns = (ms: number) => `${Math.floor(ms)}000000`;
        if (isMetricQuery(state.expr)) {
          const stepSec = stepMs / 1000;
          const startSec = Math.floor(start / stepMs) * stepSec;
          const endSec = Math.floor(end / stepMs) * stepSec;
          const { body, inspection } = await lokiQueryRange(ds.uid, { query: state.expr, start: ns(startSec * 1000), end: ns(endSec * 1000), step: `${stepSec}s` });
          if (cancelled) return;
          setInspection(inspection);
          setGraph(matrixToGraph(body.data!.result as PromSeries[], startSec, endSec, stepSec, state.legend));
        } else {
          const { body, inspection } = await lokiQueryRange(ds.uid, { query: state.expr, start: ns(start), end: ns(end), limit: String(maxLines), direction: state.dir });
          if (cancelled) return;
          setInspection(inspection);
          setRows(flattenStreams(body.data!.result as LokiStream[], state.dir));
          // Log volume: the query's own lines per step (its filters too), by level; best effort, the lines show either way.
          const volStep = autoStepMs(end - start, 120);
          const volStepSec = volStep / 1000;
          const s0 = Math.floor(start / volStep) * volStepSec;
          // the last step ends at or after `end`: lines of the last few seconds are counted too (a floor left them out)
          const s1 = Math.ceil(end / volStep) * volStepSec;
          lokiQueryRange(ds.uid, { query: logVolumeQuery(state.expr, volStepSec), start: ns(s0 * 1000), end: ns(s1 * 1000), step: `${volStepSec}s` }).then(
            (v) => !cancelled && setVolume(volumeByLevel(matrixToGraph(v.body.data!.result as PromSeries[], s0, s1, volStepSec, ''))),
            () => {},
          );
        }
      } catch (e) {
        if (cancelled) return;
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
  }, [ds.uid, state.expr, state.from, state.to, state.dir, state.legend, props.refreshTick]);

  // Live tail: Loki's tail WebSocket through the proxy; new lines go on top, at most maxLines kept.
  useEffect(() => {
    if (!live) return;
    if (state.expr.trim() === '' || isMetricQuery(state.expr)) {
      setLiveError('Live tail needs a log query (not a metric query).');
      setLive(false);
      return;
    }
    setLiveError('');
    setRows([]);
    setGraph(undefined);
    const q = new URLSearchParams({ query: state.expr, limit: String(Math.min(maxLines, 1000)), start: `${Date.now()}000000` });
    const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${proxyPath(ds.uid)}/loki/api/v1/tail?${q}`);
    let seq = 0;
    ws.onmessage = (ev) => {
      try {
        const msg = JSON.parse(String(ev.data)) as { streams?: LokiStream[] };
        const fresh = flattenStreams(msg.streams ?? [], 'backward').map((r) => ({ ...r, seq: seq++ }));
        setRows((cur) => [...fresh, ...(cur ?? [])].slice(0, maxLines));
      } catch {
        /* ignore a malformed frame */
      }
    };
    ws.onerror = () => setLiveError('Live tail: the connection failed.');
    ws.onclose = (ev) => {
      if (ev.code !== 1000 && ev.code !== 1005) setLiveError(`Live tail closed (${ev.code}${ev.reason ? `: ${ev.reason}` : ''}).`);
      setLive(false);
    };
    return () => ws.close(1000);
  }, [live, ds.uid, state.expr, maxLines]);

  return (
    <>
      <div className="query-row">
        <LogqlEditor
          value={draft}
          datasourceUrl={proxyPath(ds.uid)}
          onChange={(v) => {
            setDraft(v);
            props.onDraft?.(v);
          }}
          onRun={(v) => props.update({ expr: v })} />
        <div className="query-options">
          <button className="btn primary" data-testid="run-logs" onClick={() => props.update({ expr: draft })} disabled={running}>
            {running ? 'Running…' : 'Run query'}
          </button>
          <div className="seg" role="group" aria-label="Order">
            <button className={state.dir === 'backward' ? 'on' : ''} onClick={() => props.update({ dir: 'backward' })}>
              Newest first
            </button>
            <button className={state.dir === 'forward' ? 'on' : ''} onClick={() => props.update({ dir: 'forward' })}>
              Oldest first
            </button>
          </div>
          <label className="check">
            <input type="checkbox" checked={state.wrap} onChange={(e) => props.update({ wrap: e.target.checked }, true)} /> Wrap lines
          </label>
          <button className={live ? 'btn danger' : 'btn secondary'} data-testid="live-tail" onClick={() => setLive(!live)}>
            {live ? 'Stop live' : 'Live'}
          </button>
        </div>
      </div>
      <div ref={box} className="results">
        {error && (
          <div className="alert error" role="alert" data-testid="query-error">
            <strong>{error.type}</strong>: {error.message}
          </div>
        )}
        {liveError && <div className="alert error">{liveError}</div>}
        {live && <div className="muted" data-testid="live-status">Live: streaming new lines…</div>}
        {volume && volume.series.length > 0 && (
          <div className="log-volume" data-testid="log-volume" data-total={volumeTotal(volume)}>
            <Graph data={volume} options={{ stacked: true, unit: 'short', bars: true, yFromZero: true, countAxis: true }} height={120} />
          </div>
        )}
        {rows && (
          <div className="result-meta muted" data-testid="result-meta">
            {rows.length} lines{rows.length >= maxLines ? ` (limit ${maxLines})` : ''}
            {inspection ? `, ${Math.round(inspection.durationMs)} ms` : ''}
          </div>
        )}
        {rows && rows.length === 0 && <div className="muted">No logs</div>}
        {rows && rows.length > 0 && <LogsView uid={ds.uid} rows={rows} wrap={state.wrap} derivedFields={derivedFields} onLink={props.onLink} highlight={lineFilterTerms(state.expr)} />}
        {graph && <Graph data={graph} options={{ stacked: false, unit: 'short' }} />}
        {inspection && (
          <details className="inspector" data-testid="query-inspector">
            <summary>Query inspector</summary>
            <div className="muted">
              {inspection.method} {inspection.url} → HTTP {inspection.status} in {inspection.durationMs.toFixed(1)} ms, {inspection.bytes} bytes
            </div>
            <pre>{JSON.stringify(inspection.params, null, 2)}</pre>
          </details>
        )}
      </div>
    </>
  );
}

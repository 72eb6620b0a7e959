import { useEffect, useMemo, useRef, useState } from 'react';
import { interpolate } from '../../dashboards/interpolate';
import { gridHeightPx } from '../../dashboards/layout';
import type { Panel } from '../../dashboards/model';
import { scopedValue } from '../../dashboards/repeats';
import { linkUrl } from '../../dashboards/links';
import { panelAnnotations, type AnnotationEvent } from '../../dashboards/annotations';
import { PanelInspect } from './PanelInspect';
import { runPanelQueries, type PanelData, type QueryContext } from '../../dashboards/panel-query';
import { BarChartPanel } from './panels/BarChartPanel';
import { BarGaugePanel } from './panels/BarGaugePanel';
import { hasValues } from './panels/field';
import { GaugePanel } from './panels/GaugePanel';
import { HeatmapPanel } from './panels/HeatmapPanel';
import { LogsPanel } from './panels/LogsPanel';
import { PieChartPanel } from './panels/PieChartPanel';
import { StateTimelinePanel } from './panels/StateTimelinePanel';
import { StatPanel } from './panels/StatPanel';
import { TablePanel } from './panels/TablePanel';
import { TextPanel } from './panels/TextPanel';
import { TimeseriesPanel } from './panels/TimeseriesPanel';
import { TracesPanel } from './panels/TracesPanel';
import { ServiceGraph } from '../../components/ServiceGraph';

/** Panel types drawn from query data; `text` needs no query; anything else gets the "unsupported" placeholder. */
const QUERY_TYPES = new Set(['timeseries', 'graph', 'stat', 'singlestat', 'gauge', 'bargauge', 'table', 'table-old', 'logs', 'heatmap', 'state-timeline', 'piechart', 'barchart', 'traces', 'nodeGraph']);
const HEADER_PX = 28;

export type PanelState = 'loading' | 'done' | 'error' | 'unsupported';

/**
 * One panel: header (title with variables, error badge), its queries run whenever the context changes (latest
 * answer wins), and the body drawn by type. A failing query shows its message in place; other panels are not
 * affected. `onState` reports when the panel has drawn, for the dashboard's "all panels drawn" mark.
 */
export function PanelView(props: { panel: Panel; ctx: QueryContext; h: number; onState: (s: PanelState) => void; annotations?: AnnotationEvent[]; onEdit?: () => void; onRemove?: () => void; onAnnotate?: (panelId: number | undefined, timeMs: number) => void }) {
  const { panel } = props;
  // a repeated panel's copy sees the repeat variable as its one value
  const ctx = useMemo(
    () => (panel.scopedVars ? { ...props.ctx, vars: new Map([...props.ctx.vars, ...Object.entries(panel.scopedVars).map(([k, v]) => [k, scopedValue(v)] as const)]) } : props.ctx),
    [props.ctx, panel],
  );
  const type = panel.type ?? 'timeseries';
  // a repeated panel's copies show the annotations made on the panel they copy
  const panelId = panel.repeatPanelId ?? panel.id;
  const annotations = useMemo(() => panelAnnotations(props.annotations ?? [], panelId), [props.annotations, panelId]);
  const onAnnotate = props.onAnnotate;
  const annotate = useMemo(() => (onAnnotate ? (t: number) => onAnnotate(panelId, t) : undefined), [onAnnotate, panelId]);
  const supported = QUERY_TYPES.has(type) || type === 'text';
  const [data, setData] = useState<PanelData | undefined>();
  const [failure, setFailure] = useState<string | undefined>();
  const [inspect, setInspect] = useState(false);
  // the latest callback, without re-running the queries when it changes (a row expanded elsewhere)
  const onStateRef = useRef(props.onState);
  onStateRef.current = props.onState;
  const onState = (s: PanelState) => onStateRef.current(s);

  useEffect(() => {
    if (!QUERY_TYPES.has(type)) return;
    const ac = new AbortController();
    onState('loading');
    runPanelQueries(panel, ctx, ac.signal).then(
      (d) => {
        if (ac.signal.aborted) return;
        setData(d);
        setFailure(undefined);
      },
      (e: Error) => {
        if (ac.signal.aborted) return;
        setFailure(e.message);
      },
    );
    return () => ac.abort();
  }, [panel, ctx, type]);

  // Reported after the render that shows the result: the body's own effects (the graph's draw) have run by then.
  useEffect(() => {
    if (!QUERY_TYPES.has(type)) onState(supported ? 'done' : 'unsupported');
    else if (failure !== undefined || data !== undefined) onState(failure !== undefined || (data?.errors.length ?? 0) > 0 ? 'error' : 'done');
  }, [data, failure, type, supported]);

  const errors = failure ? [failure] : (data?.errors ?? []);
  const bodyPx = gridHeightPx(props.h) - HEADER_PX - 8;
  const title = interpolate(panel.title ?? '', ctx.vars, { defaultFormat: 'raw' });
  const state: PanelState = !supported ? 'unsupported' : errors.length ? 'error' : QUERY_TYPES.has(type) && !data ? 'loading' : 'done';
  const filled = data ? hasValues(data) : false;

  let body: React.ReactNode = null;
  if (!supported) {
    body = (
      <div className="panel-placeholder" data-testid="panel-unsupported">
        Unsupported panel type {JSON.stringify(type)}
      </div>
    );
  } else if (type === 'text') {
    const o = (panel.options ?? {}) as { content?: string; mode?: string };
    const legacy = panel as { content?: string; mode?: string };
    body = <TextPanel content={interpolate(o.content ?? legacy.content ?? '', ctx.vars, { defaultFormat: 'raw' })} mode={o.mode ?? legacy.mode ?? 'markdown'} />;
  } else if (data && !filled && errors.length === 0) {
    body = <div className="panel-nodata muted">No data</div>;
  } else if (data && filled) {
    switch (type) {
      case 'stat':
      case 'singlestat':
        body = <StatPanel panel={panel} data={data} />;
        break;
      case 'gauge':
        body = <GaugePanel panel={panel} data={data} />;
        break;
      case 'bargauge':
        body = <BarGaugePanel panel={panel} data={data} />;
        break;
      case 'table':
      case 'table-old':
        body = <TablePanel panel={panel} data={data} />;
        break;
      case 'heatmap':
        body = <HeatmapPanel panel={panel} data={data} height={bodyPx} />;
        break;
      case 'state-timeline':
        body = <StateTimelinePanel panel={panel} data={data} />;
        break;
      case 'piechart':
        body = <PieChartPanel panel={panel} data={data} />;
        break;
      case 'barchart':
        body = <BarChartPanel panel={panel} data={data} />;
        break;
      case 'logs': {
        const o = (panel.options ?? {}) as { showTime?: boolean; wrapLogMessage?: boolean };
        body = <LogsPanel rows={data.logs} showTime={o.showTime !== false} wrap={o.wrapLogMessage === true} />;
        break;
      }
      case 'traces':
        body = <TracesPanel tempo={data.tempo} />;
        break;
      case 'nodeGraph': {
        // Explore's service graph, from the Prometheus datasource the Tempo datasource names (first serviceMap query)
        const m = data.tempo.serviceMaps[0];
        body = m ? <div className="dash-nodegraph" data-testid="panel-nodegraph"><ServiceGraph promUid={m.promUid} startSec={m.startSec} endSec={m.endSec} /></div> : <div className="panel-nodata muted">Node graph needs a Tempo service graph query</div>;
        break;
      }
      default:
        body = <TimeseriesPanel panel={panel} data={data} height={bodyPx} annotations={annotations} {...(annotate ? { onAnnotate: annotate } : {})} />;
    }
  } else if (!data && !failure) {
    body = <div className="panel-loading muted">Loading…</div>;
  }

  return (
    <div className="dash-panel" data-testid="dashboard-panel" data-panel-type={type} data-panel-title={title} data-state={state} data-has-data={String(filled)}>
      <div className="dash-panel-header" title={panel.description || undefined}>
        <span className="dash-panel-title">{title}</span>
        {(panel.timeFrom || panel.timeShift) && (
          <span className="muted dash-panel-time" data-testid="panel-time">
            {[panel.timeFrom && `Last ${interpolate(panel.timeFrom, ctx.vars, { defaultFormat: 'raw' }).replace(/^now-/, '')}`, panel.timeShift && `timeshift -${interpolate(panel.timeShift, ctx.vars, { defaultFormat: 'raw' })}`].filter(Boolean).join(' ')}
          </span>
        )}
        {errors.length > 0 && (
          <span className="panel-error-badge" data-testid="panel-error" title={errors.join('\n')}>
            ⚠ Error
          </span>
        )}
        {(panel.links ?? []).map((l, i) => (
          <a key={i} className="dash-panel-link" data-testid="panel-link" href={linkUrl(l, ctx.vars, [...ctx.vars.keys()], { from: String(ctx.fromMs), to: String(ctx.toMs) })} target={l.targetBlank ? '_blank' : undefined} rel={l.targetBlank ? 'noreferrer' : undefined} title={l.title}>
            ↗
          </a>
        ))}
        {props.onEdit && (
          <button className="link" data-testid="panel-edit" title="Edit panel" onClick={props.onEdit}>
            Edit
          </button>
        )}
        {props.onRemove && (
          <button className="link" data-testid="panel-remove" title="Remove panel" onClick={props.onRemove}>
            Remove
          </button>
        )}
        {supported && type !== 'text' && (
          <button className="link dash-panel-inspect" data-testid="panel-inspect-open" title="Inspect" onClick={() => setInspect(true)}>
            ⓘ
          </button>
        )}
      </div>
      {inspect && <PanelInspect panel={panel} data={data} title={title} onClose={() => setInspect(false)} />}
      <div className="dash-panel-body" style={{ height: bodyPx }}>
        {errors.length > 0 && <div className="panel-error-text" data-testid="panel-error-text">{errors.join('\n')}</div>}
        {body}
      </div>
    </div>
  );
}

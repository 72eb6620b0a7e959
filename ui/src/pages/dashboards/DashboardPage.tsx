import { lazy, Suspense, useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { TimeRangePicker } from '../../components/TimeRangePicker';
import { apiFetch, listDatasources, type Datasource } from '../../lib/api';
import { navigate, useLocation } from '../../lib/router';
import { parsePromDuration, resolveRange, type TimeRange } from '../../lib/time';
import { layoutPanels, GAP_PX, CELL_PX, GRID_COLUMNS } from '../../dashboards/layout';
import { expandRepeats } from '../../dashboards/repeats';
import { runPanelQueries } from '../../dashboards/panel-query';
import { annotationEvents, annotationPanel, builtInAnnotation, builtInEvents, isQueryAnnotation, type AnnotationEvent, type AnnotationQuery, type StoredAnnotation } from '../../dashboards/annotations';
import { AnnotationForm } from './AnnotationForm';
import { interpolate } from '../../dashboards/interpolate';
import { DashboardLinks } from './DashboardLinks';
import type { Dashboard, DashboardMeta, Panel } from '../../dashboards/model';
import { addPanel, dashboardLinks, movePanel, newDashboard, removePanel, replacePanel } from '../../dashboards/editing';
import type { GridPos } from '../../dashboards/model';
import { adhocUrlValue } from '../../dashboards/adhoc-url';
import { resolveDatasource } from '../../dashboards/datasource-ref';
import type { AdhocFilter } from '../../dashboards/model';

// the editor brings CodeMirror and the query editors: loaded when a panel is first edited
const PanelEditor = lazy(() => import('./PanelEditor').then((m) => ({ default: m.PanelEditor })));
import type { QueryContext } from '../../dashboards/panel-query';
import { resolveVariables, valuesMap, type VariableState } from '../../dashboards/variables';
import type { PageProps } from '../../shell/routes';
import { DashboardSettings } from './DashboardSettings';
import { PanelView, type PanelState } from './PanelView';
import { VariableBar } from './VariableBar';
import './dashboards.css';

const REFRESH_CHOICES = ['', '5s', '10s', '30s', '1m', '5m', '15m', '30m', '1h'];

/** `var-name` values from the URL (repeated for multi-value variables). */
function urlVariables(search: URLSearchParams): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [k, v] of search) if (k.startsWith('var-')) out.set(k.slice(4), [...(out.get(k.slice(4)) ?? []), v]);
  return out;
}

/** Set URL parameters, keeping the others (`replace`: no new history entry). */
function setUrl(update: (p: URLSearchParams) => void, replace = false): void {
  const p = new URLSearchParams(location.search);
  update(p);
  const s = p.toString();
  navigate(`${location.pathname}${s ? `?${s}` : ''}`, replace);
}

/** Every variable's value in the URL (`var-name`, repeated for several values; `$__all` for All), as Grafana keeps them. */
function syncVariablesToUrl(states: VariableState[]): void {
  setUrl((p) => {
    for (const s of states) {
      if (s.model.type === 'constant' || s.error) continue;
      p.delete(`var-${s.model.name}`);
      if (s.model.type === 'adhoc') {
        // Grafana's key|operator|value, one per filter; an empty value keeps "no filters" over the model's
        for (const f of s.filters?.length ? s.filters : [undefined]) p.append(`var-${s.model.name}`, f ? adhocUrlValue(f) : '');
        continue;
      }
      for (const v of s.isAll ? ['$__all'] : s.values) p.append(`var-${s.model.name}`, v);
    }
  }, true);
}

/**
 * A dashboard (`/d/:uid/:slug`): Grafana's JSON as the server migrated it, panels on the 24-column grid, rows that
 * collapse, the variable bar, time and refresh pickers, all state in the URL (`from`, `to`, `var-*`, `refresh`,
 * `kiosk`). Each panel queries on its own, so one slow or failing panel does not hold up the rest.
 */
export function DashboardPage(props: PageProps) {
  // no uid: a new dashboard (`/dashboard/new`), kept in the page until its first save
  const uid = props.params.uid;
  const { search } = useLocation();
  const [loaded, setLoaded] = useState<{ dashboard: Dashboard; meta: DashboardMeta; datasources: Datasource[] } | undefined>();
  const [error, setError] = useState('');
  const [states, setStates] = useState<VariableState[] | undefined>();
  const [collapsed, setCollapsed] = useState<Map<string, boolean>>(new Map());
  const [tick, setTick] = useState(0);
  // the grid's width when panels query (their maxDataPoints); resizing does not query again, as in Grafana
  const gridWidth = useRef(0);
  const [measured, setMeasured] = useState(false);
  const gridRef = useRef<HTMLDivElement>(null);
  const panelStates = useRef(new Map<string, PanelState>());
  const [allDrawn, setAllDrawn] = useState(false);
  const [settings, setSettings] = useState(false);
  // bumped after a save or restore: the dashboard is loaded again (its new version and JSON)
  const [generation, setGeneration] = useState(0);
  const t0 = useRef(performance.now());
  // edit mode (add, edit and remove panels); the panel open in the panel editor
  const [editMode, setEditMode] = useState(uid === undefined);
  const [editing, setEditing] = useState<Panel | undefined>();
  const [dirty, setDirty] = useState(false);
  // a panel being moved (its header's handle) or resized (its corner) with the pointer: where it would go
  const [drag, setDrag] = useState<{ id: number; mode: 'move' | 'resize'; x: number; y: number; from: GridPos; pos: GridPos } | undefined>();

  useEffect(() => {
    let live = true;
    if (generation === 0) setLoaded(undefined);
    setStates(undefined);
    setError('');
    t0.current = performance.now();
    setDirty(false);
    setEditing(undefined);
    const fresh = Promise.resolve({ dashboard: newDashboard(), meta: { canSave: true, canEdit: true, canDelete: false, folderUid: '' } as DashboardMeta });
    Promise.all([uid === undefined ? fresh : apiFetch<{ dashboard: Dashboard; meta: DashboardMeta }>(`/api/dashboards/uid/${encodeURIComponent(uid)}`), listDatasources()]).then(
      ([d, datasources]) => live && setLoaded({ ...d, datasources }),
      (e: Error) => live && setError(e.message),
    );
    return () => {
      live = false;
    };
  }, [uid, generation]);

  const dashboard = loaded?.dashboard;
  const range: TimeRange = { from: search.get('from') ?? dashboard?.time?.from ?? 'now-6h', to: search.get('to') ?? dashboard?.time?.to ?? 'now' };
  const refresh = search.get('refresh') ?? (typeof dashboard?.refresh === 'string' ? dashboard.refresh : '');
  const kiosk = search.has('kiosk');

  const resolved = useMemo(() => {
    try {
      return { ...resolveRange(range, Date.now()), error: '' };
    } catch (e) {
      return { start: Date.now() - 3600_000, end: Date.now(), error: (e as Error).message };
    }
    // tick: relative ranges move on refresh
  }, [range.from, range.to, tick]);

  // variables: resolved once the dashboard and datasources are in, and again when the range changes
  const models = useMemo(() => dashboard?.templating?.list ?? [], [dashboard]);
  const rangeKey = `${range.from}|${range.to}`;
  useEffect(() => {
    if (!loaded) return;
    let live = true;
    void resolveVariables(models, { datasources: loaded.datasources, fromMs: resolved.start, toMs: resolved.end }, urlVariables(new URLSearchParams(location.search))).then((s) => {
      if (!live) return;
      setStates(s);
      syncVariablesToUrl(s);
    });
    return () => {
      live = false;
    };
  }, [loaded, models, rangeKey]);

  const onVariable = (index: number, values: string[], isAll: boolean) => {
    if (!states || !loaded) return;
    const next = states.map((s, i) => (i === index ? { ...s, values, isAll } : s));
    setStates(next);
    // a new history entry for the change; the chained variables' new values then replace it
    setUrl(() => undefined);
    syncVariablesToUrl(next);
    // variables after this one may depend on it (chained)
    void resolveVariables(models, { datasources: loaded.datasources, fromMs: resolved.start, toMs: resolved.end }, urlVariables(new URLSearchParams(location.search)), next, index + 1).then((s) => {
      setStates(s);
      syncVariablesToUrl(s);
    });
  };

  const onAdhoc = (index: number, filters: AdhocFilter[]) => {
    if (!states) return;
    const next = states.map((s, i) => (i === index ? { ...s, filters } : s));
    setStates(next);
    setUrl(() => undefined);
    syncVariablesToUrl(next);
  };

  // auto refresh
  useEffect(() => {
    const ms = parsePromDuration(refresh);
    if (!ms) return;
    const t = setInterval(() => setTick((x) => x + 1), Math.max(1000, ms));
    return () => clearInterval(t);
  }, [refresh]);

  useEffect(() => {
    if (!kiosk) return;
    document.documentElement.classList.add('kiosk');
    return () => document.documentElement.classList.remove('kiosk');
  }, [kiosk]);

  useLayoutEffect(() => {
    const el = gridRef.current;
    if (!el) return;
    gridWidth.current = el.clientWidth || 1200;
    setMeasured(true);
    const ro = new ResizeObserver(() => (gridWidth.current = el.clientWidth || gridWidth.current));
    ro.observe(el);
    return () => ro.disconnect();
  }, [loaded]);

  useEffect(() => {
    if (dashboard?.title) document.title = `${dashboard.title} - Sightline`;
  });

  const ctxBase = useMemo<Omit<QueryContext, 'widthPx'> | undefined>(() => {
    if (!loaded || !states) return undefined;
    const vctx = { datasources: loaded.datasources, fromMs: resolved.start, toMs: resolved.end };
    const vars = valuesMap(states, vctx);
    // ad hoc filters by the uid of their datasource (a variable naming a missing datasource filters nothing)
    const adhoc = states.flatMap((s) => {
      if (s.model.type !== 'adhoc' || !s.filters?.length) return [];
      try {
        return [{ datasourceUid: resolveDatasource(s.model.datasource, loaded.datasources, vars).uid, filters: s.filters }];
      } catch {
        return [];
      }
    });
    return { datasources: loaded.datasources, vars, fromMs: resolved.start, toMs: resolved.end, dashboardTitle: loaded.dashboard.title ?? '', adhoc };
  }, [loaded, states, resolved]);

  // repeated panels expand for the variables' current values
  // query annotations (Prometheus regions, Loki lines), run with the dashboard's context and drawn on its graphs
  const [annotations, setAnnotations] = useState<AnnotationEvent[]>([]);
  useEffect(() => {
    const list = ((dashboard?.annotations as { list?: AnnotationQuery[] } | undefined)?.list ?? []).filter(isQueryAnnotation);
    if (!ctxBase || list.length === 0) return setAnnotations([]);
    const ac = new AbortController();
    const ctx = { ...ctxBase, widthPx: gridWidth.current };
    void Promise.all(list.map((a) => runPanelQueries(annotationPanel(a), ctx, ac.signal).then((d) => annotationEvents(a, d), () => [] as AnnotationEvent[]))).then((all) => {
      if (!ac.signal.aborted) setAnnotations(all.flat());
    });
    return () => ac.abort();
  }, [dashboard, ctxBase]);

  // the built-in "Annotations & Alerts": what `/api/annotations` holds for this dashboard in the range
  const [stored, setStored] = useState<AnnotationEvent[]>([]);
  const [storedGen, setStoredGen] = useState(0);
  const [annotating, setAnnotating] = useState<{ panelId: number | undefined; time: number } | undefined>();
  useEffect(() => {
    const b = builtInAnnotation((dashboard?.annotations as { list?: AnnotationQuery[] } | undefined)?.list ?? []);
    if (!b || !dashboard?.uid || !ctxBase) return setStored([]);
    let live = true;
    const q = new URLSearchParams({ from: String(Math.floor(ctxBase.fromMs)), to: String(Math.ceil(ctxBase.toMs)), limit: '100', matchAny: 'false', dashboardUID: dashboard.uid });
    apiFetch<StoredAnnotation[]>(`/api/annotations?${q}`).then(
      (items) => live && setStored(builtInEvents(b, items)),
      () => live && setStored([]),
    );
    return () => {
      live = false;
    };
  }, [dashboard, ctxBase, storedGen]);
  const allAnnotations = useMemo(() => (stored.length ? [...annotations, ...stored] : annotations), [annotations, stored]);
  const canAnnotate = Boolean(dashboard?.uid) && loaded?.meta.canEdit !== false;
  const onAnnotate = useCallback((panelId: number | undefined, time: number) => setAnnotating({ panelId, time }), []);

  const placed = useMemo(() => layoutPanels(expandRepeats(dashboard?.panels ?? [], ctxBase?.vars), collapsed), [dashboard, collapsed, ctxBase]);
  const visibleKeys = placed.filter((p) => p.panel.type !== 'row').map((p) => p.key);

  // one query context per panel width (the width sets maxDataPoints), made when first needed: expanding a row
  // does not give the other panels a new context, so they do not query again
  const contexts = useMemo(() => new Map<number, QueryContext>(), [ctxBase]);
  const contextFor = (w: number): QueryContext | undefined => {
    if (!ctxBase || !measured) return undefined;
    let c = contexts.get(w);
    if (!c) contexts.set(w, (c = { ...ctxBase, widthPx: (gridWidth.current * w) / GRID_COLUMNS }));
    return c;
  };

  const visibleKey = visibleKeys.join(',');
  const onPanelState = useCallback(
    (key: string, s: PanelState) => {
      panelStates.current.set(key, s);
      const keys = visibleKey.split(',').filter(Boolean);
      const done = keys.every((k) => {
        const st = panelStates.current.get(k);
        return st !== undefined && st !== 'loading';
      });
      if (done && keys.length > 0) {
        performance.mark('sightline:dashboard-drawn', { detail: { panels: keys.length, ms: performance.now() - t0.current } });
      }
      setAllDrawn(done);
    },
    [visibleKey],
  );
  const stateHandlers = useMemo(() => new Map(visibleKeys.map((k) => [k, (s: PanelState) => onPanelState(k, s)])), [visibleKey, onPanelState]);

  /** The dashboard as edited (panels, variables): drawn at once, kept until saved or the page is left. */
  const change = (d: Dashboard) => {
    if (!loaded) return;
    setLoaded({ ...loaded, dashboard: d });
    setDirty(true);
  };
  const newPanel = (): Panel => {
    const ds = loaded?.datasources.find((d) => d.isDefault && (d.type === 'prometheus' || d.type === 'loki')) ?? loaded?.datasources.find((d) => d.type === 'prometheus');
    const ref = ds ? { type: ds.type, uid: ds.uid } : undefined;
    return { type: 'timeseries', title: 'Panel Title', gridPos: { x: 0, y: 0, w: 12, h: 8 }, ...(ref ? { datasource: ref } : {}), targets: [{ refId: 'A', expr: '', ...(ref ? { datasource: ref } : {}) }], fieldConfig: { defaults: {}, overrides: [] }, options: {} };
  };
  const applyPanel = (p: Panel) => {
    if (!dashboard) return;
    change(p.id === undefined ? addPanel(dashboard, p).dashboard : replacePanel(dashboard, p));
    setEditing(undefined);
  };

  /** Pointer handlers of a panel's move or resize handle: whole grid cells, applied (others pushed down) on release. */
  const dragHandle = (panel: Panel, mode: 'move' | 'resize') => ({
    onPointerDown: (e: React.PointerEvent) => {
      if (!panel.gridPos || panel.id === undefined) return;
      e.preventDefault();
      (e.currentTarget as Element).setPointerCapture(e.pointerId);
      setDrag({ id: panel.id, mode, x: e.clientX, y: e.clientY, from: panel.gridPos, pos: panel.gridPos });
    },
    onPointerMove: (e: React.PointerEvent) => {
      if (!drag || drag.id !== panel.id) return;
      const colPx = (gridWidth.current + GAP_PX) / GRID_COLUMNS;
      const dx = Math.round((e.clientX - drag.x) / colPx);
      const dy = Math.round((e.clientY - drag.y) / (CELL_PX + GAP_PX));
      const f = drag.from;
      const pos = mode === 'move' ? { ...f, x: Math.min(GRID_COLUMNS - f.w, Math.max(0, f.x + dx)), y: Math.max(0, f.y + dy) } : { ...f, w: Math.min(GRID_COLUMNS - f.x, Math.max(1, f.w + dx)), h: Math.max(1, f.h + dy) };
      if (pos.x !== drag.pos.x || pos.y !== drag.pos.y || pos.w !== drag.pos.w || pos.h !== drag.pos.h) setDrag({ ...drag, pos });
    },
    onPointerUp: () => {
      if (!drag || drag.id !== panel.id || !dashboard) return;
      const { from, pos } = drag;
      setDrag(undefined);
      if (pos.x !== from.x || pos.y !== from.y || pos.w !== from.w || pos.h !== from.h) change(movePanel(dashboard, drag.id, pos));
    },
  });

  if (error) return <div className="page"><div className="alert error" data-testid="dashboard-error">{error}</div></div>;
  if (!loaded || !dashboard) return <div className="loading">Loading dashboard…</div>;

  const rows = placed.reduce((m, p) => Math.max(m, p.pos.y + p.pos.h), drag ? drag.pos.y + drag.pos.h : 0);
  return (
    <div className="dashboard" data-testid="dashboard" data-uid={dashboard.uid}>
      <div className="dash-toolbar">
        <h2 className="dash-title" data-testid="dashboard-title">
          {loaded.meta.folderTitle && loaded.meta.folderTitle !== 'General' && <span className="muted">{loaded.meta.folderTitle} / </span>}
          {dashboard.title}
        </h2>
        <span className="spacer" />
        <TimeRangePicker value={range} onChange={(r) => setUrl((p) => { p.set('from', r.from); p.set('to', r.to); })} />
        <button className="btn secondary" data-testid="dashboard-refresh" title="Refresh" onClick={() => setTick((x) => x + 1)}>⟳</button>
        <select data-testid="refresh-picker" value={refresh} aria-label="Auto refresh" onChange={(e) => setUrl((p) => (e.target.value ? p.set('refresh', e.target.value) : p.delete('refresh')), true)}>
          {REFRESH_CHOICES.map((r) => <option key={r} value={r}>{r === '' ? 'Off' : r}</option>)}
        </select>
        {loaded.meta.canEdit !== false && editMode && (
          <button className="btn secondary" data-testid="dashboard-add-panel" disabled={!ctxBase} onClick={() => setEditing(newPanel())}>
            Add panel
          </button>
        )}
        {loaded.meta.canEdit !== false && (
          <button className={`btn ${editMode ? 'primary' : 'secondary'}`} data-testid="dashboard-edit-toggle" aria-pressed={editMode} onClick={() => setEditMode(!editMode)}>
            {editMode ? 'Exit edit' : 'Edit'}
          </button>
        )}
        {loaded.meta.canEdit !== false && (
          <button className="btn secondary" data-testid="dashboard-settings-toggle" onClick={() => setSettings(!settings)}>
            {dirty ? 'Save…' : 'Settings'}
          </button>
        )}
        <button className="btn secondary" data-testid="kiosk-toggle" title="Kiosk mode" onClick={() => setUrl((p) => (kiosk ? p.delete('kiosk') : p.set('kiosk', '')))}>
          {kiosk ? 'Exit kiosk' : 'Kiosk'}
        </button>
      </div>
      {settings && <DashboardSettings key={dashboard.version} dashboard={dashboard} meta={loaded.meta} datasources={loaded.datasources} onChange={change} onClose={() => setSettings(false)} onSaved={() => setGeneration((g) => g + 1)} />}
      {dirty && <div className="muted dash-unsaved" data-testid="dashboard-unsaved">Unsaved changes: save them in Settings.</div>}
      {resolved.error && <div className="alert error">{resolved.error}</div>}
      {states && <VariableBar states={states} onChange={onVariable} onAdhoc={onAdhoc} datasources={loaded.datasources} vars={ctxBase?.vars} />}
      {ctxBase && <DashboardLinks links={dashboardLinks(dashboard)} vars={ctxBase.vars} variableNames={models.map((m) => m.name)} range={range} self={dashboard.uid} />}
      {annotating && dashboard.uid && (
        <AnnotationForm dashboardUid={dashboard.uid} panelId={annotating.panelId} time={annotating.time} onClose={() => setAnnotating(undefined)} onSaved={() => { setAnnotating(undefined); setStoredGen((g) => g + 1); }} />
      )}
      {editing && ctxBase && (
        <Suspense fallback={<div className="loading">Loading the panel editor…</div>}>
          <PanelEditor panel={editing} datasources={loaded.datasources} ctx={contextFor(editing.gridPos?.w ?? 12) ?? { ...ctxBase, widthPx: 800 }} onApply={applyPanel} onDiscard={() => setEditing(undefined)} />
        </Suspense>
      )}
      <div
        ref={gridRef}
        hidden={editing !== undefined}
        className="dash-grid"
        data-testid="dashboard-grid"
        data-all-drawn={String(allDrawn)}
        style={{ gridTemplateColumns: `repeat(${GRID_COLUMNS}, minmax(0, 1fr))`, gridTemplateRows: `repeat(${Math.max(1, rows)}, ${CELL_PX}px)`, gap: `${GAP_PX}px` }}
      >
        {placed.map((p) => {
          const style = { gridColumn: `${p.pos.x + 1} / span ${p.pos.w}`, gridRow: `${p.pos.y + 1} / span ${p.pos.h}` };
          if (p.panel.type === 'row') {
            const title = ctxBase ? interpolate(p.panel.title ?? '', ctxBase.vars, { defaultFormat: 'raw', ...(p.panel.scopedVars ? { scoped: p.panel.scopedVars } : {}) }) : p.panel.title;
            return (
              <div key={p.key} className="dash-row" style={style} data-testid="dashboard-row" data-collapsed={String(p.collapsed)}>
                <button className="link" onClick={() => setCollapsed(new Map(collapsed).set(p.key, !p.collapsed))}>
                  {p.collapsed ? '▸' : '▾'} {title}
                </button>
              </div>
            );
          }
          const ctx = contextFor(p.pos.w);
          const dragged = drag && drag.id === p.panel.id ? drag.pos : undefined;
          const movable = editMode && p.panel.id !== undefined && p.panel.repeatPanelId === undefined && p.panel.gridPos !== undefined;
          return (
            <div
              key={p.key}
              style={dragged ? { gridColumn: `${dragged.x + 1} / span ${dragged.w}`, gridRow: `${dragged.y + 1} / span ${dragged.h}` } : style}
              className={`dash-cell${movable ? ' editable' : ''}${dragged ? ' dragging' : ''}`}
              data-testid="dashboard-cell"
              data-grid={`${(dragged ?? p.pos).x},${(dragged ?? p.pos).y},${(dragged ?? p.pos).w},${(dragged ?? p.pos).h}`}
            >
              {movable && (
                <>
                  <span className="dash-move" data-testid="panel-move" title="Drag to move" {...dragHandle(p.panel, 'move')}>⠿</span>
                  <span className="dash-resize" data-testid="panel-resize" title="Drag to resize" {...dragHandle(p.panel, 'resize')} />
                </>
              )}
              {ctx ? (
                <PanelView
                  panel={p.panel}
                  ctx={ctx}
                  h={p.pos.h}
                  onState={stateHandlers.get(p.key)!}
                  annotations={allAnnotations}
                  {...(canAnnotate ? { onAnnotate } : {})}
                  {...(editMode && p.panel.id !== undefined && p.panel.repeatPanelId === undefined ? { onEdit: () => setEditing(p.panel), onRemove: () => change(removePanel(dashboard, p.panel.id!)) } : {})}
                />
              ) : <div className="dash-panel loading" data-testid="dashboard-panel" data-state="loading" />}
            </div>
          );
        })}
      </div>
    </div>
  );
}

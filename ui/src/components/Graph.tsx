import { useEffect, useMemo, useRef, useState } from 'react';
import uPlot from 'uplot';
import type { GraphData } from '../lib/prometheus';
import { withAlpha } from '../lib/color';
import { SERIES_COLORS } from '../lib/theme';
import { countAxisTicks } from '../lib/log-volume';
import { formatValue, type Unit } from '../lib/units';

export interface GraphOptions {
  stacked: boolean;
  unit: Unit;
  /** Draw bars instead of lines (log volume). */
  bars?: boolean;
  /** The y-axis starts at 0 (counts), whatever the data's minimum. */
  yFromZero?: boolean;
  /** The y-axis counts things: ticks only at whole numbers (no 2.5 lines). */
  countAxis?: boolean;
  /** Value formatting overriding `unit` (dashboards: Grafana's units and decimals). */
  format?: (v: number) => string;
  /** Fixed ends of the y-axis (dashboards' min/max). */
  yMin?: number;
  yMax?: number;
  /** Hide the legend below the graph. */
  hideLegend?: boolean;
  /** Marks on the time axis (dashboards' annotations): a line at `time`, a band to `end`; milliseconds. */
  annotations?: { time: number; end?: number; color: string; title: string; text: string }[];
  /**
   * Per-series drawing, by index (dashboards' field overrides): a second y-axis on the right or none, bars or points,
   * a fill under the line (0..1), drawn below zero (negative-Y; tooltip and legend show the values as they are), and
   * a value format of its own.
   */
  seriesStyles?: { axis?: 'left' | 'right' | 'hidden'; draw?: 'line' | 'bars' | 'points'; fillOpacity?: number; negativeY?: boolean; format?: (v: number) => string }[];
  /** Ctrl/Cmd+click on the plot: the time clicked, in milliseconds (dashboards: add an annotation there). */
  onAnnotate?: (timeMs: number) => void;
}

const pad2 = (n: number) => String(n).padStart(2, '0');

/**
 * One-line time labels (uPlot's default adds a date line under the first tick, which collides with its neighbour
 * in narrow panes): `15:04` within a day (`15:04:05` for sub-minute spacing), `11-24 15:04` beyond.
 */
export function timeTickLabels(splits: number[], rangeSec: number, spacingSec: number): string[] {
  return splits.map((t) => {
    const d = new Date(t * 1000);
    const hm = `${pad2(d.getHours())}:${pad2(d.getMinutes())}${spacingSec < 60 ? `:${pad2(d.getSeconds())}` : ''}`;
    return rangeSec > 86400 ? `${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ${hm}` : hm;
  });
}

const EMPTY = new Set<number>();

/** The y scale: from zero, or between fixed ends where given (the other end from the data). */
function yScale(o: GraphOptions): uPlot.Scale {
  // a count axis ends at its top whole-number tick
  if (o.countAxis && o.yMin === undefined && o.yMax === undefined) return { range: (_u, _min, max) => [0, countAxisTicks(max).at(-1)!] };
  if (o.yMin === undefined && o.yMax === undefined && !o.yFromZero) return {};
  return {
    range: (_u, min, max) => {
      const lo = o.yMin ?? (o.yFromZero ? 0 : min);
      const hi = o.yMax ?? (max > lo ? max : lo + 1);
      return o.yMax === undefined ? [lo, uPlot.rangeNum(lo, hi, 0.1, true)[1]] : [lo, hi];
    },
  };
}

/** Cumulative sums for stacking (nulls count as 0 but stay null where the series has no point). */
function stack(data: GraphData, visible: boolean[]): (number | null)[][] {
  const acc = new Float64Array(data.xs.length);
  return data.series.map((s, si) => {
    if (!visible[si]) return s.values;
    return s.values.map((v, i) => {
      if (v === null) return null;
      acc[i] += v;
      return acc[i];
    });
  });
}

/** Time-series graph on uPlot: one line per series, a legend below, and a tooltip following the cursor. */
export function Graph(props: { data: GraphData; options: GraphOptions; height?: number }) {
  const host = useRef<HTMLDivElement>(null);
  const tooltip = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const { data, options } = props;
  // the latest handler, without drawing again when it changes
  const annotate = useRef(options.onAnnotate);
  annotate.current = options.onAnnotate;
  // Hidden series belong to one result: new data shows everything again (without a second draw).
  const [hiddenFor, setHiddenFor] = useState<{ data: GraphData; hidden: Set<number> }>({ data, hidden: new Set() });
  const hidden = hiddenFor.data === data ? hiddenFor.hidden : EMPTY;
  const setHidden = (h: Set<number>) => setHiddenFor({ data, hidden: h });
  const visible = useMemo(() => data.series.map((_, i) => !hidden.has(i)), [data, hidden]);

  // Resizing only resizes the plot.
  useEffect(() => {
    const el = host.current!;
    const ro = new ResizeObserver(() => plot.current?.setSize({ width: Math.max(200, el.clientWidth), height: props.height ?? 300 }));
    ro.observe(el);
    return () => ro.disconnect();
  }, [props.height]);

  useEffect(() => {
    const el = host.current!;
    const looks = options.seriesStyles ?? [];
    const plotted = looks.some((st) => st?.negativeY) ? { ...data, series: data.series.map((s, i) => (looks[i]?.negativeY ? { ...s, values: s.values.map((v) => (v === null ? null : -v)) } : s)) } : data;
    const ys = options.stacked ? stack(plotted, visible) : plotted.series.map((s) => s.values);
    // stacked bars: the tallest (cumulative) column is drawn first, so each level's part stays visible above it
    const order = data.series.map((_, i) => i);
    if (options.stacked && options.bars) order.reverse();
    const color = (i: number) => data.series[i]!.color ?? SERIES_COLORS[i % SERIES_COLORS.length]!;
    const styles = getComputedStyle(document.documentElement);
    const axisColor = styles.getPropertyValue('--muted').trim() || '#888';
    const gridColor = styles.getPropertyValue('--grid').trim() || 'rgba(128,128,128,0.2)';
    const fmt = options.format ?? ((v: number) => formatValue(v, options.unit));
    const fmtOf = (i: number) => looks[i]?.format ?? fmt;
    // series placed on the right share a second axis, formatted as the first of them; hidden ones get a scale of their own
    const right = looks.findIndex((st) => st?.axis === 'right');
    const scaleOf = (i: number) => (looks[i]?.axis === 'right' ? 'y2' : looks[i]?.axis === 'hidden' ? 'yh' : 'y');
    const tip = tooltip.current!;
    // each mark also as an element over the plot: its text as a tooltip, and something tests can read
    const markLayer = document.createElement('div');
    markLayer.className = 'anno-marks';
    const opts: uPlot.Options = {
      width: Math.max(200, el.clientWidth),
      height: props.height ?? 300,
      legend: { show: false },
      cursor: { focus: { prox: 16 }, points: { size: 6 } },
      focus: { alpha: 0.4 },
      scales: { x: { time: true }, y: yScale(options), ...(right >= 0 ? { y2: {} } : {}), yh: {} },
      axes: [
        {
          stroke: axisColor,
          grid: { stroke: gridColor, width: 1 },
          ticks: { stroke: gridColor },
          space: 70,
          values: (u, splits, _ax, _space, incr) => timeTickLabels(splits, (u.scales.x.max ?? 0) - (u.scales.x.min ?? 0), incr),
        },
        {
          stroke: axisColor,
          grid: { stroke: gridColor, width: 1 },
          ticks: { stroke: gridColor },
          size: 70,
          ...(options.countAxis ? { splits: (u: uPlot) => countAxisTicks(u.scales.y.max ?? 0) } : {}),
          values: (_u, splits) => {
            // the ticks drawn, for layout checks (tests): the canvas has no text to read
            el.setAttribute('data-y-ticks', splits.join(','));
            return splits.map(fmt);
          },
        },
        ...(right >= 0
          ? [
              {
                scale: 'y2',
                side: 1,
                stroke: axisColor,
                grid: { show: false },
                ticks: { stroke: gridColor },
                size: 70,
                values: (_u: uPlot, splits: number[]) => {
                  el.setAttribute('data-y2-ticks', splits.join(','));
                  return splits.map(fmtOf(right));
                },
              } satisfies uPlot.Axis,
            ]
          : []),
      ],
      series: [
        {},
        ...order.map((i) => {
          const st = looks[i];
          const bars = options.bars || st?.draw === 'bars';
          const fill = st?.fillOpacity ? withAlpha(color(i), st.fillOpacity) : options.stacked || bars ? withAlpha(color(i), bars ? 0.7 : 0.25) : undefined;
          return {
            label: data.series[i]!.name,
            show: visible[i],
            scale: scaleOf(i),
            stroke: color(i),
            width: 1.5,
            fill,
            paths: bars ? uPlot.paths.bars!({ size: [0.8, 40] }) : st?.draw === 'points' ? () => null : undefined,
            spanGaps: false,
            points: st?.draw === 'points' ? { show: true, size: 5, fill: color(i) } : { show: false },
          };
        }),
      ],
      hooks: {
        draw: [
          (u) => {
            const marks = options.annotations ?? [];
            const { left, top, width, height } = u.bbox;
            let drawn = 0;
            markLayer.replaceChildren();
            for (const a of marks) {
              const x0 = u.valToPos(a.time / 1000, 'x', true);
              const x1 = a.end !== undefined ? u.valToPos(a.end / 1000, 'x', true) : x0;
              if (x1 < left || x0 > left + width) continue;
              drawn++;
              u.ctx.save();
              u.ctx.fillStyle = a.color;
              u.ctx.strokeStyle = a.color;
              if (x1 > x0) {
                u.ctx.globalAlpha = 0.15;
                u.ctx.fillRect(Math.max(left, x0), top, Math.min(left + width, x1) - Math.max(left, x0), height);
                u.ctx.globalAlpha = 1;
              }
              u.ctx.setLineDash([4, 3]);
              u.ctx.beginPath();
              u.ctx.moveTo(x0, top);
              u.ctx.lineTo(x0, top + height);
              u.ctx.stroke();
              u.ctx.restore();
              const m = document.createElement('div');
              m.className = 'anno-mark';
              m.dataset.testid = 'annotation-mark';
              m.dataset.time = String(a.time);
              if (a.end !== undefined) m.dataset.end = String(a.end);
              m.style.left = `${u.valToPos(a.time / 1000, 'x')}px`;
              m.style.borderBottomColor = a.color;
              m.title = a.text ? `${a.title}\n${a.text}` : a.title;
              markLayer.append(m);
            }
            el.setAttribute('data-annotations', String(drawn));
          },
        ],
        // the y-axis range drawn, for layout checks (tests) and the curious
        setScale: [
          (u, key) => {
            if (key !== 'y') return;
            el.setAttribute('data-y-min', String(u.scales.y.min));
            el.setAttribute('data-y-max', String(u.scales.y.max));
          },
        ],
        setCursor: [
          (u) => {
            const idx = u.cursor.idx;
            if (idx === null || idx === undefined || u.cursor.left === undefined || u.cursor.left < 0) {
              tip.style.display = 'none';
              return;
            }
            const rows = data.series
              .map((s, i) => ({ s, i, v: s.values[idx] }))
              .filter((r) => visible[r.i] && r.v !== null)
              .sort((a, b) => (b.v as number) - (a.v as number))
              .slice(0, 12);
            tip.replaceChildren();
            const head = document.createElement('div');
            head.className = 'tt-time';
            head.textContent = new Date(data.xs[idx] * 1000).toLocaleString();
            tip.append(head);
            for (const r of rows) {
              const row = document.createElement('div');
              row.className = 'tt-row';
              const sw = document.createElement('span');
              sw.className = 'swatch';
              sw.style.background = color(r.i);
              const name = document.createElement('span');
              name.className = 'tt-name';
              name.textContent = r.s.name;
              const val = document.createElement('span');
              val.className = 'tt-val';
              val.textContent = fmtOf(r.i)(r.v as number);
              row.append(sw, name, val);
              tip.append(row);
            }
            tip.style.display = rows.length ? 'block' : 'none';
            const left = u.cursor.left + 16;
            tip.style.left = `${Math.min(left, u.over.clientWidth - 260)}px`;
            tip.style.top = `${(u.cursor.top ?? 0) + 16}px`;
          },
        ],
      },
    };
    plot.current?.destroy();
    plot.current = new uPlot(opts, [Array.from(data.xs), ...order.map((i) => ys[i]!)] as uPlot.AlignedData, el);
    // For measurements (bench/ui.bench.ts) and the browser's performance panel.
    performance.mark('sightline:graph-drawn', { detail: { series: data.series.length, points: data.xs.length } });
    const over = plot.current.over;
    const leave = () => (tip.style.display = 'none');
    const click = (e: MouseEvent) => {
      if (!(e.ctrlKey || e.metaKey) || !annotate.current || !plot.current) return;
      e.preventDefault();
      annotate.current(plot.current.posToVal(e.clientX - over.getBoundingClientRect().left, 'x') * 1000);
    };
    over.addEventListener('mouseleave', leave);
    over.addEventListener('click', click);
    over.appendChild(tip);
    over.appendChild(markLayer);
    return () => {
      over.removeEventListener('mouseleave', leave);
      over.removeEventListener('click', click);
      plot.current?.destroy();
      plot.current = null;
    };
  }, [data, options.stacked, options.unit, options.bars, options.countAxis, options.format, options.yMin, options.yMax, options.annotations, options.seriesStyles, visible, props.height]);

  const last = (vals: (number | null)[]) => {
    for (let i = vals.length - 1; i >= 0; i--) if (vals[i] !== null) return vals[i];
    return null;
  };

  return (
    <div className="graph">
      <div ref={host} className="graph-canvas" data-testid="graph" data-count-axis={options.countAxis ? 'true' : undefined} />
      <div ref={tooltip} className="graph-tooltip" style={{ display: 'none' }} data-testid="graph-tooltip" />
      {!options.hideLegend && <ul className="legend" data-testid="graph-legend">
        {data.series.map((s, i) => (
          <li
            key={i}
            className={hidden.has(i) ? 'legend-item off' : 'legend-item'}
            title="Click to hide or show; Ctrl/Cmd+click to show only this series"
            onClick={(e) => {
              if (e.ctrlKey || e.metaKey) {
                const onlyThis = hidden.size === data.series.length - 1 && !hidden.has(i);
                setHidden(onlyThis ? new Set() : new Set(data.series.map((_, j) => j).filter((j) => j !== i)));
              } else {
                const h = new Set(hidden);
                if (h.has(i)) h.delete(i);
                else h.add(i);
                setHidden(h);
              }
            }}
          >
            <span className="swatch" style={{ background: s.color ?? SERIES_COLORS[i % SERIES_COLORS.length] }} />
            <span className="legend-name">{s.name}</span>
            <span className="legend-last muted">{last(s.values) === null ? formatValue(null, options.unit) : (options.seriesStyles?.[i]?.format ?? options.format ?? ((v: number) => formatValue(v, options.unit)))(last(s.values)!)}</span>
          </li>
        ))}
      </ul>}
    </div>
  );
}

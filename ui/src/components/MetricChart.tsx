/**
 * A metric chart on uPlot (canvas; draws 100,000+ points smoothly). One or more series,
 * x by step, wall time or relative time, optional EMA smoothing (the raw line stays faint
 * behind), optional log scale. Follows the theme and the container's width. Dragging
 * across the plot zooms in; with `onZoomSteps` (step axis only) the page is told which
 * steps were selected, to fetch their detail from the server.
 */
import { useEffect, useMemo, useRef } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { cssVar, useThemeVersion } from "../app/theme";
import { alignSeries, minMaxDownsample } from "../lib/downsample";
import { formatNumber } from "../lib/format";
import { smoothEma } from "../lib/smoothing";
import { stepRange, type StepRange } from "../lib/zoom";
import "./chart.css";

export type XMode = "step" | "time" | "relative";

export interface ChartSeries {
  label: string;
  steps: number[];
  timestamps: number[];
  values: number[];
  color: string;
}

export const PALETTE = ["#4f46e5", "#e8590c", "#0ca678", "#d6336c", "#1c7ed6", "#f59f00", "#7048e8", "#2f9e44", "#c2255c", "#0b7285"];

export function xValues(s: ChartSeries, mode: XMode): number[] {
  if (mode === "step") return s.steps;
  if (mode === "time") return s.timestamps.map((t) => t / 1000);
  const t0 = s.timestamps.length ? Math.min(...s.timestamps) : 0;
  return s.timestamps.map((t) => (t - t0) / 1000);
}

export function MetricChart({ title, series, xMode, smoothing, logY, height = 240, minXSpan, onZoomSteps }: {
  title?: string;
  /** called with the whole steps a drag selected (x by step only) */
  onZoomSteps?: (range: StepRange) => void;
  /** the x axis spans at least this much (x units; seconds in time modes), centred on the data */
  minXSpan?: number;
  series: ChartSeries[];
  xMode: XMode;
  smoothing: number;
  logY: boolean;
  height?: number;
}) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const themeV = useThemeVersion();
  // the latest callback, read when a drag ends: a new one does not rebuild the plot
  const onZoomRef = useRef(onZoomSteps);
  onZoomRef.current = onZoomSteps;

  const { data, uSeries } = useMemo(() => {
    const width = Math.max(300, box.current?.clientWidth ?? 800);
    const prepared = series.map((s) => {
      // x must ascend for uPlot; histories come ordered by step, time modes need a sort.
      let xs = xValues(s, xMode);
      let ys = s.values;
      if (xMode !== "step") {
        const idx = xs.map((_, i) => i).sort((a, b) => xs[a] - xs[b]);
        xs = idx.map((i) => xs[i]);
        ys = idx.map((i) => ys[i]);
      }
      const d = minMaxDownsample(xs, ys, Math.ceil(width / 2));
      const clean = d.ys.map((y) => (logY && !(y > 0) ? NaN : y));
      return { xs: d.xs, raw: clean, smooth: smoothing > 0 ? smoothEma(clean, smoothing) : null };
    });
    const cols: { xs: number[]; ys: number[] }[] = [];
    const uSeries: uPlot.Series[] = [{}];
    prepared.forEach((p, i) => {
      const s = series[i];
      if (p.smooth) {
        cols.push({ xs: p.xs, ys: p.raw });
        uSeries.push({ label: `${s.label} (raw)`, stroke: s.color + "40", width: 1, points: { show: false }, spanGaps: true });
        cols.push({ xs: p.xs, ys: p.smooth });
        uSeries.push({ label: s.label, stroke: s.color, width: 1.75, points: { show: false }, spanGaps: true });
      } else {
        cols.push({ xs: p.xs, ys: p.raw });
        uSeries.push({ label: s.label, stroke: s.color, width: 1.5, points: { show: p.xs.length < 40, size: 5, fill: s.color }, spanGaps: true });
      }
    });
    const aligned = alignSeries(cols);
    const ys = aligned.ys.map((col) => col.map((v) => (v == null || !Number.isFinite(v) ? null : v)));
    return { data: [aligned.xs, ...ys] as uPlot.AlignedData, uSeries };
  }, [series, xMode, smoothing, logY]);

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const grid = cssVar("--chart-grid");
    const axisColor = cssVar("--chart-axis");
    const axis: uPlot.Axis = { stroke: axisColor, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 }, font: "11px system-ui, sans-serif" };
    const opts: uPlot.Options = {
      width: el.clientWidth || 600,
      height,
      series: uSeries,
      scales: {
        x: {
          time: xMode === "time",
          // uPlot pads a single point's x range by itself (years on a time axis): judge the data.
          ...(minXSpan ? { range: (u: uPlot, lo: number, hi: number): uPlot.Range.MinMax => {
            const xs = u.data[0] as number[];
            const a = xs.length ? xs[0] : lo, b = xs.length ? xs[xs.length - 1] : hi;
            return b - a >= minXSpan ? [lo, hi] : [(a + b) / 2 - minXSpan / 2, (a + b) / 2 + minXSpan / 2];
          } } : {}),
        },
        y: logY ? { distr: 3 } : {},
      },
      axes: [
        { ...axis, label: xMode === "step" ? "step" : xMode === "relative" ? "seconds" : undefined, labelSize: 14, labelFont: "11px system-ui" },
        { ...axis, size: 58, values: (_u, vals) => vals.map((v) => (v == null ? "" : formatNumber(v, 3))) },
      ],
      legend: { show: series.length > 1 || smoothing > 0, live: true },
      cursor: { drag: { x: true, y: false }, points: { size: 6 } },
      hooks: xMode === "step" ? {
        setSelect: [(u: uPlot) => {
          const { left, width } = u.select;
          const range = width > 0 ? stepRange(u.posToVal(left, "x"), u.posToVal(left + width, "x")) : null;
          if (range) onZoomRef.current?.(range);
        }],
      } : {},
    };
    const u = new uPlot(opts, data, el);
    plot.current = u;
    const ro = new ResizeObserver(() => u.setSize({ width: el.clientWidth, height }));
    ro.observe(el);
    return () => {
      ro.disconnect();
      u.destroy();
      plot.current = null;
    };
  }, [data, uSeries, xMode, logY, height, themeV, series.length, smoothing, minXSpan]);

  const xs = data[0] as number[];
  const degenerate = xMode !== "step" && xs.length > 1 && xs[0] === xs[xs.length - 1];
  return (
    <div className="metric-chart">
      {degenerate && <div className="hint-text">Every point was logged at the same moment: use Step for this metric.</div>}
      {title && <div className="metric-chart-title">{title}</div>}
      <div ref={box} className="metric-chart-canvas" data-testid="metric-chart" />
    </div>
  );
}

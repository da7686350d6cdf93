import { useMemo, useState } from "react";
import { toFloat, type MetricHistory, type MetricSummary, type Run } from "../../api/types";
import { ChartControls, useChartSettings, type ChartSettings } from "../../components/ChartControls";
import { MetricChart, PALETTE, type ChartSeries } from "../../components/MetricChart";
import { Empty, ErrorState, Spinner } from "../../components/States";
import { useMetricHistories } from "../../data/tracking/hooks";
import { formatNumber } from "../../lib/format";
import { narrows, type StepRange } from "../../lib/zoom";

/** Points per series asked of the server; it downsamples longer histories (min/max kept). */
export const MAX_POINTS = 2000;

export function historyToSeries(h: MetricHistory, label: string, color: string): ChartSeries {
  return { label, color, steps: h.steps, timestamps: h.timestamps, values: h.values.map(toFloat) };
}

export function MetricsTab({ run }: { run: Run }) {
  const [settings, setSettings] = useChartSettings();
  const keys = useMemo(() => Object.keys(run.metrics).sort(), [run.metrics]);
  const live = run.status === "Running";
  // a chart zoomed by step fetches those steps again, so it shows their real detail
  const [zoom, setZoom] = useState<Record<string, StepRange | undefined>>({});
  const zoomOf = (key: string) => (settings.xMode === "step" ? zoom[key] ?? null : null);
  const histories = useMetricHistories(keys.map((key) => ({ runId: run.id, key, range: zoomOf(key) })), MAX_POINTS, live);

  if (keys.length === 0) return <div className="card"><Empty title="No metrics logged">Log some with <code>yard.log_metric("loss", 0.3, step=1)</code>.</Empty></div>;
  return (
    <div className="stack">
      <div className="card" style={{ padding: "10px 16px" }}>
        <ChartControls value={settings} onChange={setSettings} />
      </div>
      <div className="chart-grid">
        {keys.map((key, i) => (
          <MetricCard key={key} metric={key} summary={run.metrics[key]} history={histories[i]} settings={settings}
            zoomed={zoomOf(key)} onZoom={(range) => setZoom((z) => ({ ...z, [key]: range }))} />
        ))}
      </div>
    </div>
  );
}

function MetricCard({ metric, summary, history: h, settings, zoomed, onZoom }: {
  metric: string;
  summary: MetricSummary;
  history: { data?: MetricHistory; isLoading: boolean; isError: boolean; error: unknown };
  settings: ChartSettings;
  zoomed: StepRange | null;
  onZoom: (range: StepRange | undefined) => void;
}) {
  // the same data keeps the same series, so the chart is not rebuilt on unrelated renders
  const series = useMemo(() => (h.data ? [historyToSeries(h.data, metric, PALETTE[0])] : []), [h.data, metric]);
  return (
    <section className="card chart-card" data-testid={`chart-${metric}`}>
      <div className="row" style={{ marginBottom: 8 }}>
        <h3 style={{ flex: 1 }}>{metric}</h3>
        {zoomed && (
          <button type="button" className="btn ghost sm" data-testid={`zoom-reset-${metric}`} onClick={() => onZoom(undefined)}>
            Steps {formatNumber(zoomed[0])}–{formatNumber(zoomed[1])} · Reset zoom
          </button>
        )}
        <span className="faint num" title="latest · min · max">
          {formatNumber(toFloat(summary.latest))} · min {formatNumber(toFloat(summary.min))} · max {formatNumber(toFloat(summary.max))}
        </span>
      </div>
      {h.isLoading ? <div className="state" style={{ height: 240 }}><Spinner /></div> :
        h.isError ? <ErrorState error={h.error} /> : (
          <>
            <MetricChart series={series} xMode={settings.xMode} smoothing={settings.smoothing} logY={settings.logY}
              onZoomSteps={(r) => { if (narrows(r, zoomed)) onZoom(r); }} />
            {!zoomed && h.data!.downsampled && (
              <div className="hint-text">{formatNumber(h.data!.total)} points, drawn from {formatNumber(h.data!.steps.length)} (downsampled by the server, extremes kept; drag across the chart to zoom into real detail)</div>
            )}
          </>
        )}
    </section>
  );
}

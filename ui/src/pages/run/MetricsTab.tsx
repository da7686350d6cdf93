import { useMemo } from "react";
import { toFloat, type MetricHistory, type Run } from "../../api/types";
import { ChartControls, useChartSettings } from "../../components/ChartControls";
import { MetricChart, PALETTE, type ChartSeries } from "../../components/MetricChart";
import { Empty, ErrorState, Spinner } from "../../components/States";
import { useMetricHistories } from "../../data/tracking/hooks";
import { formatNumber } from "../../lib/format";

/** Points per series asked of the server; it downsamples longer histories (min/max kept). */
export const MAX_POINTS = 2000;

export function historyToSeries(h: MetricHistory, label: string, color: string): ChartSeries {
  return { label, color, steps: h.steps, timestamps: h.timestamps, values: h.values.map(toFloat) };
}

export function MetricsTab({ run }: { run: Run }) {
  const [settings, setSettings] = useChartSettings();
  const keys = useMemo(() => Object.keys(run.metrics).sort(), [run.metrics]);
  const live = run.status === "Running";
  const histories = useMetricHistories(keys.map((key) => ({ runId: run.id, key })), MAX_POINTS, live);

  if (keys.length === 0) return <div className="card"><Empty title="No metrics logged">Log some with <code>yard.log_metric("loss", 0.3, step=1)</code>.</Empty></div>;
  return (
    <div className="stack">
      <div className="card" style={{ padding: "10px 16px" }}>
        <ChartControls value={settings} onChange={setSettings} />
      </div>
      <div className="chart-grid">
        {keys.map((key, i) => {
          const h = histories[i];
          const m = run.metrics[key];
          return (
            <section key={key} className="card chart-card" data-testid={`chart-${key}`}>
              <div className="row" style={{ marginBottom: 8 }}>
                <h3 style={{ flex: 1 }}>{key}</h3>
                <span className="faint num" title="latest · min · max">
                  {formatNumber(toFloat(m.latest))} · min {formatNumber(toFloat(m.min))} · max {formatNumber(toFloat(m.max))}
                </span>
              </div>
              {h.isLoading ? <div className="state" style={{ height: 240 }}><Spinner /></div> :
                h.isError ? <ErrorState error={h.error} /> : (
                  <>
                    <MetricChart series={[historyToSeries(h.data!, key, PALETTE[0])]} xMode={settings.xMode} smoothing={settings.smoothing} logY={settings.logY} />
                    {h.data!.downsampled && (
                      <div className="hint-text">{formatNumber(h.data!.total)} points, drawn from {formatNumber(h.data!.steps.length)} (downsampled by the server, extremes kept)</div>
                    )}
                  </>
                )}
            </section>
          );
        })}
      </div>
    </div>
  );
}

/** Compare 2-10 runs: params diff, metric summary, overlaid charts, parallel coordinates. */
import { useMemo } from "react";
import { Link, useSearchParams } from "react-router";
import { toFloat, type Run } from "../../api/types";
import { ChartControls, useChartSettings } from "../../components/ChartControls";
import { useCrumbs } from "../../components/Crumbs";
import { MetricChart, PALETTE, type ChartSeries } from "../../components/MetricChart";
import { Empty, ErrorState, Loading, Spinner } from "../../components/States";
import { StatusBadge } from "../../components/StatusBadge";
import { useMetricHistories, useRunsById } from "../../data/tracking/hooks";
import { asNumbers, diffMaps } from "../../lib/diff";
import { durationMs, formatDuration, formatNumber } from "../../lib/format";
import { MAX_POINTS, historyToSeries } from "../run/MetricsTab";
import { ParallelCoordinates, type PcRun } from "./ParallelCoordinates";
import "../../components/chart.css";
import "./compare.css";

const MAX = 10;

export default function ComparePage() {
  const [sp, setSp] = useSearchParams();
  const ids = (sp.get("runs") ?? "").split(",").map(decodeURIComponent).filter(Boolean).slice(0, MAX);
  const onlyDiff = sp.get("diff") !== "all";
  const { runs, isLoading, error } = useRunsById(ids);
  useCrumbs([{ label: "Experiments", to: "/experiments" }, { label: `Compare ${ids.length} runs` }]);
  const [chart, setChart] = useChartSettings();

  const color = (i: number) => PALETTE[i % PALETTE.length];
  const setParam = (k: string, v: string | null) => setSp((cur) => { const n = new URLSearchParams(cur); v ? n.set(k, v) : n.delete(k); return n; }, { replace: true });
  const remove = (id: string) => setParam("runs", ids.filter((x) => x !== id).map(encodeURIComponent).join(","));

  const paramRows = useMemo(() => diffMaps(runs.map((r) => r.params)), [runs]);
  const metricKeys = useMemo(() => [...new Set(runs.flatMap((r) => Object.keys(r.metrics)))].sort(), [runs]);
  const histories = useMetricHistories(runs.flatMap((r) => metricKeys.filter((k) => k in r.metrics).map((key) => ({ runId: r.id, key }))), MAX_POINTS);

  if (ids.length < 2) {
    return (
      <div className="page"><div className="card">
        <Empty title="Pick at least two runs to compare">Select 2 to {MAX} runs with the checkboxes of an <Link to="/experiments">experiment's runs table</Link>, then press Compare.</Empty>
      </div></div>
    );
  }
  if (isLoading) return <Loading label="Loading runs…" />;
  if (error) return <div className="card"><ErrorState error={error} /></div>;

  const shownParams = onlyDiff ? paramRows.filter((r) => r.differs) : paramRows;
  const runIndex = new Map(runs.map((r, i) => [r.id, i]));
  const pairs = runs.flatMap((r) => metricKeys.filter((k) => k in r.metrics).map((key) => ({ run: r, key })));
  const seriesFor = (key: string): { series: ChartSeries[]; loading: boolean } => {
    const out: ChartSeries[] = [];
    let loading = false;
    pairs.forEach((p, i) => {
      if (p.key !== key) return;
      const h = histories[i];
      if (h?.data) out.push(historyToSeries(h.data, p.run.name || p.run.id, color(runIndex.get(p.run.id)!)));
      else if (h?.isLoading) loading = true;
    });
    return { series: out, loading };
  };

  // Parallel coordinates: the params that differ (up to 6) and the metrics (up to 3).
  const pcAxes = [
    ...paramRows.filter((r) => r.differs).slice(0, 6).map((r) => `params.${r.key}`),
    ...metricKeys.slice(0, 3).map((k) => `metrics.${k}`),
  ];
  const pcRuns: PcRun[] = runs.map((r, i) => ({
    id: r.id, label: r.name || r.id, color: color(i),
    values: Object.fromEntries(pcAxes.map((a) => {
      const [g, ...rest] = a.split(".");
      const k = rest.join(".");
      return [a, g === "params" ? r.params[k] : r.metrics[k] ? toFloat(r.metrics[k].latest) : null];
    })),
  }));

  return (
    <div className="page wide" data-testid="compare-page">
      <div className="page-head">
        <div className="titles">
          <h1>Compare runs</h1>
          <div className="chips" style={{ gap: 8 }}>
            {runs.map((r, i) => (
              <span key={r.id} className="run-chip">
                <span className="swatch" style={{ background: color(i) }} />
                <Link to={`/runs/${r.id}`}>{r.name || r.id}</Link>
                {ids.length > 2 && <button onClick={() => remove(r.id)} aria-label={`Remove ${r.name} from the comparison`} title="Remove">×</button>}
              </span>
            ))}
          </div>
        </div>
      </div>

      <section className="card">
        <div className="card-head"><h2>Runs</h2></div>
        <div className="card-body flush" style={{ overflowX: "auto" }}>
          <table className="table compare-table">
            <thead><tr><th /> {runs.map((r, i) => <th key={r.id}><span className="swatch" style={{ background: color(i) }} />{r.name || r.id}</th>)}</tr></thead>
            <tbody>
              <tr><td className="muted">Status</td>{runs.map((r) => <td key={r.id}><StatusBadge status={r.status} /></td>)}</tr>
              <tr><td className="muted">Duration</td>{runs.map((r) => <td key={r.id}>{formatDuration(durationMs(r.start_time, r.end_time))}</td>)}</tr>
              <tr><td className="muted">Experiment</td>{runs.map((r) => <td key={r.id}><Link to={`/experiments/${r.experiment_id}`}>{r.experiment_id.slice(0, 8)}</Link></td>)}</tr>
            </tbody>
          </table>
        </div>
      </section>

      <section className="card" data-testid="params-diff">
        <div className="card-head">
          <h2>Params <span className="faint">{paramRows.filter((r) => r.differs).length} differ of {paramRows.length}</span></h2>
          <div className="segmented" role="group" aria-label="Params shown">
            <button className={onlyDiff ? "on" : ""} onClick={() => setParam("diff", null)}>Differences</button>
            <button className={!onlyDiff ? "on" : ""} onClick={() => setParam("diff", "all")}>All</button>
          </div>
        </div>
        <div className="card-body flush" style={{ overflowX: "auto" }}>
          {shownParams.length === 0 ? <Empty title={paramRows.length ? "Every param is the same" : "No params logged"} /> : (
            <table className="table compare-table">
              <thead><tr><th>Param</th>{runs.map((r, i) => <th key={r.id}><span className="swatch" style={{ background: color(i) }} />{r.name || r.id}</th>)}</tr></thead>
              <tbody>
                {shownParams.map((row) => (
                  <tr key={row.key} className={row.differs ? "differs" : ""}>
                    <td>{row.key}</td>
                    {row.values.map((v, i) => <td key={i} className={v === undefined ? "missing" : "mono"}>{v ?? "not set"}</td>)}
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
      </section>

      <MetricsSummary runs={runs} keys={metricKeys} color={color} />

      {pcAxes.length >= 2 && (
        <section className="card">
          <div className="card-head"><h2>Parallel coordinates</h2><span className="faint">params that differ, then metrics (latest)</span></div>
          <div className="card-body"><ParallelCoordinates runs={pcRuns} axes={pcAxes} /></div>
        </section>
      )}

      {metricKeys.length > 0 && (
        <section className="stack">
          <div className="card" style={{ padding: "10px 16px" }}><ChartControls value={chart} onChange={setChart} /></div>
          <div className="chart-grid">
            {metricKeys.map((key) => {
              const { series, loading } = seriesFor(key);
              return (
                <section key={key} className="card chart-card" data-testid={`compare-chart-${key}`}>
                  <h3 style={{ marginBottom: 8 }}>{key}</h3>
                  {loading && series.length === 0 ? <div className="state" style={{ height: 240 }}><Spinner /></div> :
                    <MetricChart series={series} xMode={chart.xMode} smoothing={chart.smoothing} logY={chart.logY} />}
                </section>
              );
            })}
          </div>
        </section>
      )}
    </div>
  );
}

/** Latest value of each metric per run; the best (highest, or lowest for loss/error-like names) in bold. */
function MetricsSummary({ runs, keys, color }: { runs: Run[]; keys: string[]; color: (i: number) => string }) {
  if (keys.length === 0) return null;
  return (
    <section className="card" data-testid="metrics-compare">
      <div className="card-head"><h2>Metrics <span className="faint">latest value</span></h2></div>
      <div className="card-body flush" style={{ overflowX: "auto" }}>
        <table className="table compare-table">
          <thead><tr><th>Metric</th>{runs.map((r, i) => <th key={r.id} className="num"><span className="swatch" style={{ background: color(i) }} />{r.name || r.id}</th>)}</tr></thead>
          <tbody>
            {keys.map((k) => {
              const vals = asNumbers(runs.map((r) => (r.metrics[k] ? toFloat(r.metrics[k].latest) : null))) ?? [];
              const lowerBetter = /loss|err|rmse|mae|mse|perplexity/i.test(k);
              const present = vals.filter((v): v is number => v != null);
              const best = present.length > 1 ? (lowerBetter ? Math.min(...present) : Math.max(...present)) : null;
              return (
                <tr key={k}>
                  <td>{k}</td>
                  {vals.map((v, i) => <td key={i} className={`num ${v != null && v === best ? "best" : ""} ${v == null ? "missing" : ""}`}>{v == null ? "—" : formatNumber(v)}</td>)}
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </section>
  );
}

/** A short, static list of runs (home page, child runs); the big table is RunsTable. */
import { Link } from "react-router";
import { toFloat, type Run } from "../../api/types";
import { StatusBadge } from "../../components/StatusBadge";
import { durationMs, formatDuration, formatNumber, formatRelative } from "../../lib/format";

export function RunsList({ runs, experimentNames, metricKeys }: {
  runs: Run[];
  experimentNames?: Map<string, string>;
  metricKeys?: string[];
}) {
  const keys = metricKeys ?? firstMetricKeys(runs, 3);
  return (
    <div style={{ overflowX: "auto" }}>
      <table className="table nowrap" data-testid="runs-list">
        <thead>
          <tr>
            <th>Run</th>
            {experimentNames && <th>Experiment</th>}
            <th>Status</th>
            <th>Started</th>
            <th className="num">Duration</th>
            {keys.map((k) => <th key={k} className="num">{k}</th>)}
          </tr>
        </thead>
        <tbody>
          {runs.map((r) => (
            <tr key={r.id}>
              <td><Link to={`/runs/${r.id}`}>{r.name || r.id}</Link></td>
              {experimentNames && (
                <td><Link to={`/experiments/${r.experiment_id}`} className="muted">{experimentNames.get(r.experiment_id) ?? r.experiment_id}</Link></td>
              )}
              <td><StatusBadge status={r.status} /></td>
              <td className="muted" title={r.start_time ?? undefined}>{formatRelative(r.start_time ?? r.created_at)}</td>
              <td className="num">{formatDuration(durationMs(r.start_time, r.end_time))}</td>
              {keys.map((k) => <td key={k} className="num">{formatNumber(r.metrics[k] ? toFloat(r.metrics[k].latest) : null)}</td>)}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The most common metric keys across runs, up to n. */
export function firstMetricKeys(runs: Run[], n: number): string[] {
  const counts = new Map<string, number>();
  for (const r of runs) for (const k of Object.keys(r.metrics)) counts.set(k, (counts.get(k) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, n).map(([k]) => k);
}

import { useState } from "react";
import { Link } from "react-router";
import { toFloat, type Run } from "../../api/types";
import { GitIcon } from "../../components/Icons";
import { Empty } from "../../components/States";
import { durationMs, formatDateTime, formatDuration, formatNumber } from "../../lib/format";

function KeyValues({ title, data, testid }: { title: string; data: Record<string, string>; testid: string }) {
  const [q, setQ] = useState("");
  const entries = Object.entries(data).sort(([a], [b]) => a.localeCompare(b));
  const shown = entries.filter(([k, v]) => !q || k.toLowerCase().includes(q.toLowerCase()) || v.toLowerCase().includes(q.toLowerCase()));
  return (
    <section className="card" data-testid={testid}>
      <div className="card-head">
        <h2>{title} <span className="faint">{entries.length}</span></h2>
        {entries.length > 8 && <input className="input" style={{ height: 26, width: 160 }} placeholder="Filter" value={q} onChange={(e) => setQ(e.target.value)} />}
      </div>
      <div className="card-body flush scroll-y">
        {entries.length === 0 ? <Empty title={`No ${title.toLowerCase()}`} /> : (
          <table className="table">
            <tbody>
              {shown.map(([k, v]) => (
                <tr key={k}><td className="muted" style={{ width: "40%" }}>{k}</td><td className="mono" style={{ overflowWrap: "anywhere" }}>{v}</td></tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
    </section>
  );
}

export function OverviewTab({ run, experimentName }: { run: Run; experimentName?: string }) {
  const src = run.source;
  const metrics = Object.values(run.metrics).sort((a, b) => a.key.localeCompare(b.key));
  const packages = Object.entries(src.packages ?? {});
  return (
    <div className="stack">
      {run.error && (
        <section className="card error-card" data-testid="run-error">
          <div className="card-head"><h2>Error</h2></div>
          <pre className="card-body log">{run.error}</pre>
        </section>
      )}
      <div className="grid-2">
        <section className="card">
          <div className="card-head"><h2>Details</h2></div>
          <dl className="kv">
            <dt>Run ID</dt><dd className="mono">{run.id}</dd>
            <dt>Experiment</dt><dd><Link to={`/experiments/${run.experiment_id}`}>{experimentName ?? run.experiment_id}</Link></dd>
            <dt>Kind</dt><dd>{run.kind}</dd>
            <dt>Created</dt><dd>{formatDateTime(run.created_at)}</dd>
            <dt>Started</dt><dd>{formatDateTime(run.start_time)}</dd>
            <dt>Ended</dt><dd>{formatDateTime(run.end_time)}</dd>
            <dt>Duration</dt><dd>{formatDuration(durationMs(run.start_time, run.end_time))}</dd>
            {run.parent_id && <><dt>Parent run</dt><dd><Link to={`/runs/${run.parent_id}`} className="mono">{run.parent_id}</Link></dd></>}
            <dt>Artifacts</dt><dd className="mono faint">{run.artifact_location}</dd>
          </dl>
        </section>
        <section className="card" data-testid="run-source">
          <div className="card-head"><h2><span className="row"><GitIcon /> Source</span></h2></div>
          <dl className="kv">
            <dt>Entry point</dt><dd className="mono">{src.entry_point ?? "—"}</dd>
            <dt>Git commit</dt>
            <dd className="mono">
              {src.git_commit ? src.git_commit.slice(0, 12) : "—"}
              {src.git_dirty && <span className="badge warn" style={{ marginLeft: 8 }} title="Uncommitted changes when the run started">dirty</span>}
            </dd>
            <dt>Branch</dt><dd className="mono">{src.git_branch ?? "—"}</dd>
            <dt>Remote</dt><dd className="mono">{src.git_remote ?? "—"}</dd>
            <dt>User</dt><dd>{src.user ?? "—"}</dd>
            <dt>Host</dt><dd>{src.host ?? "—"}</dd>
            <dt>Python</dt><dd>{src.python_version ?? "—"}</dd>
            {packages.length > 0 && (
              <>
                <dt>Packages</dt>
                <dd><div className="chips">{packages.map(([k, v]) => <span key={k} className="chip">{k} <b>{v}</b></span>)}</div></dd>
              </>
            )}
          </dl>
        </section>
      </div>
      <section className="card" data-testid="run-metrics-summary">
        <div className="card-head"><h2>Metrics <span className="faint">{metrics.length}</span></h2><Link className="btn sm" to="?tab=metrics">Charts</Link></div>
        <div className="card-body flush">
          {metrics.length === 0 ? <Empty title="No metrics logged" /> : (
            <table className="table">
              <thead><tr><th>Metric</th><th className="num">Latest</th><th className="num">Min</th><th className="num">Max</th><th className="num">Last step</th><th className="num">Points</th></tr></thead>
              <tbody>
                {metrics.map((m) => (
                  <tr key={m.key}>
                    <td>{m.key}</td>
                    <td className="num">{formatNumber(toFloat(m.latest))}</td>
                    <td className="num">{formatNumber(toFloat(m.min))}</td>
                    <td className="num">{formatNumber(toFloat(m.max))}</td>
                    <td className="num">{formatNumber(m.latest_step)}</td>
                    <td className="num">{formatNumber(m.count)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
      </section>
      <div className="grid-2">
        <KeyValues title="Params" data={run.params} testid="run-params" />
        <KeyValues title="Tags" data={run.tags} testid="run-tags" />
      </div>
    </div>
  );
}

/** Every job with its live status (polled while one runs), filtered by status in the URL. */
import { Link, useSearchParams } from "react-router";
import { useCrumbs } from "../../components/Crumbs";
import { PlayIcon } from "../../components/Icons";
import { Empty, ErrorState, Loading } from "../../components/States";
import { StatusBadge } from "../../components/StatusBadge";
import { useJobs } from "../../data/jobs/hooks";
import { useExperiments } from "../../data/tracking/hooks";
import { durationMs, formatDuration, formatRelative } from "../../lib/format";
import { JOB_FILTERS, keepJob, parseJobFilter, type JobFilter } from "../../lib/logTail";

const FILTER_LABELS: Record<JobFilter, string> = { all: "All", active: "Active", finished: "Finished", failed: "Failed" };

/** The command of a job spec, on one line. */
export function commandOf(spec: Record<string, unknown>): string {
  const c = spec.command;
  return (Array.isArray(c) ? c.join(" ") : typeof c === "string" ? c : "").replace(/\s+/g, " ").trim();
}

export function JobsPage() {
  useCrumbs([{ label: "Jobs" }]);
  const [sp, setSp] = useSearchParams();
  const filter = parseJobFilter(sp.get("status"));
  const jobs = useJobs();
  const exps = useExperiments();
  const expName = new Map((exps.data ?? []).map((e) => [e.id, e.name]));
  const all = jobs.data ?? [];
  const rows = all.filter((j) => keepJob(filter, j.status)).sort((a, b) => b.created_at.localeCompare(a.created_at));
  const active = all.filter((j) => keepJob("active", j.status)).length;

  const setFilter = (f: JobFilter) => {
    const next = new URLSearchParams(sp);
    if (f === "all") next.delete("status");
    else next.set("status", f);
    setSp(next, { replace: true });
  };

  return (
    <div className="page">
      <div className="page-head">
        <div className="titles">
          <h1>Jobs</h1>
          <div className="sub">
            Command jobs submitted with <code>modelyard job create -f job.yml</code> or <code>ws.jobs.create_or_update(...)</code>.
            {jobs.data && <> {active > 0 ? `${active} active, refreshing every 2 s.` : "None active."}</>}
          </div>
        </div>
      </div>
      <div className="card">
        <div className="card-head">
          <div className="segmented" role="group" aria-label="Status">
            {(Object.keys(JOB_FILTERS) as JobFilter[]).map((f) => (
              <button key={f} className={filter === f ? "on" : ""} onClick={() => setFilter(f)}>{FILTER_LABELS[f]}</button>
            ))}
          </div>
        </div>
        <div className="card-body flush" style={{ overflowX: "auto" }}>
          {jobs.isLoading ? <Loading label="Loading jobs…" /> : jobs.isError ? <ErrorState error={jobs.error} onRetry={() => jobs.refetch()} /> :
            rows.length === 0 ? (
              all.length ? <Empty title="No job matches">No {FILTER_LABELS[filter].toLowerCase()} jobs.</Empty> :
                <Empty title="No jobs yet" icon={<PlayIcon size={28} />}>
                  Submit one: <code>modelyard job create -f job.yml</code>, with <code>type: command</code> and a <code>command</code>.
                </Empty>
            ) : (
              <table className="table nowrap" data-testid="jobs-table">
                <thead>
                  <tr><th>Job</th><th>Status</th><th>Experiment</th><th>Compute</th><th>Command</th><th>Created</th><th className="num">Duration</th><th className="num">Attempt</th></tr>
                </thead>
                <tbody>
                  {rows.map((j) => (
                    <tr key={j.id} data-job-id={j.id}>
                      <td><Link to={`/jobs/${j.id}?tab=logs`}>{j.name || j.id}</Link></td>
                      <td><StatusBadge status={j.status} /></td>
                      <td><Link to={`/experiments/${j.experiment_id}`} className="muted">{expName.get(j.experiment_id) ?? j.experiment_id}</Link></td>
                      <td className="muted">{j.compute}</td>
                      <td className="mono ellipsis" style={{ maxWidth: 360 }} title={commandOf(j.spec)}>{commandOf(j.spec)}</td>
                      <td className="muted" title={j.created_at}>{formatRelative(j.created_at)}</td>
                      <td className="num">{formatDuration(durationMs(j.started_at, j.ended_at))}</td>
                      <td className="num">{j.attempt}{j.max_retries ? ` / ${j.max_retries + 1}` : ""}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
        </div>
      </div>
    </div>
  );
}

/**
 * Run detail: overview, metric charts, artifacts and child runs, the tab in the URL. A job is
 * a run of kind "job": it gets a Logs tab (live tail) and sits under Jobs (`/jobs/{id}`).
 */
import { Link, useLocation, useParams } from "react-router";
import { useCrumbs } from "../../components/Crumbs";
import { ErrorState, Loading } from "../../components/States";
import { StatusBadge } from "../../components/StatusBadge";
import { Tabs, useTab } from "../../components/Tabs";
import { useExperiment, useRun, useRunsPage } from "../../data/tracking/hooks";
import { durationMs, formatDateTime, formatDuration } from "../../lib/format";
import { ArtifactsTab } from "./ArtifactsTab";
import { ChildRunsTab, childRunsQuery } from "./ChildRunsTab";
import { LogsTab } from "./LogsTab";
import { MetricsTab } from "./MetricsTab";
import { OverviewTab } from "./OverviewTab";
import "./run.css";

export default function RunPage() {
  const { runId = "" } = useParams();
  const run = useRun(runId);
  const exp = useExperiment(run.data?.experiment_id);
  const children = useRunsPage(childRunsQuery(run.data), { enabled: !!run.data });
  const underJobs = useLocation().pathname.startsWith("/jobs/");
  const isJob = run.data?.kind === "job" || (underJobs && !run.data);
  useCrumbs([
    ...(underJobs ? [{ label: "Jobs", to: "/jobs" }] : [{ label: "Experiments", to: "/experiments" }]),
    ...(run.data && !underJobs ? [{ label: exp.data?.name ?? run.data.experiment_id, to: `/experiments/${run.data.experiment_id}` }] : []),
    { label: run.data?.name ?? runId },
  ]);
  const tabs = [
    { id: "overview", label: "Overview" },
    ...(isJob ? [{ id: "logs", label: "Logs" }] : []),
    { id: "metrics", label: "Metrics", count: run.data ? Object.keys(run.data.metrics).length : undefined },
    { id: "artifacts", label: "Artifacts" },
    { id: "children", label: "Child runs", count: children.data?.runs.length },
  ];
  const tab = useTab(tabs);

  if (run.isLoading) return <Loading label="Loading run…" />;
  if (run.isError) return <div className="card"><ErrorState error={run.error} onRetry={() => run.refetch()} /></div>;
  const r = run.data!;
  const live = r.status === "Running" || r.status === "Queued";

  return (
    <div className="page wide">
      <div className="page-head">
        <div className="titles">
          <div className="row" style={{ gap: 10 }}>
            <h1 data-testid="run-name">{r.name || r.id}</h1>
            <StatusBadge status={r.status} />
          </div>
          <div className="sub">
            <span className="mono faint">{r.id}</span>
            <span title="Started">{formatDateTime(r.start_time ?? r.created_at)}</span>
            <span title="Duration">{formatDuration(durationMs(r.start_time, r.end_time))}{live ? " so far" : ""}</span>
            {r.parent_id && <span>Child of <Link to={`/runs/${r.parent_id}`}>{r.parent_id.slice(0, 8)}</Link></span>}
          </div>
        </div>
      </div>
      <Tabs tabs={tabs} active={tab} />
      {tab === "overview" && <OverviewTab run={r} experimentName={exp.data?.name} />}
      {tab === "logs" && <LogsTab runId={r.id} />}
      {tab === "metrics" && <MetricsTab run={r} />}
      {tab === "artifacts" && <ArtifactsTab run={r} />}
      {tab === "children" && <ChildRunsTab query={children} />}
    </div>
  );
}

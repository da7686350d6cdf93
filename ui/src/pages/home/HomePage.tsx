import { Link } from "react-router";
import { useCrumbs } from "../../components/Crumbs";
import { FlaskIcon } from "../../components/Icons";
import { Empty, ErrorState, Loading } from "../../components/States";
import { useExperiments, useRunsPage, useWorkspace } from "../../data/tracking/hooks";
import { RunsList } from "../runs/RunsList";

const COUNT_LABELS: Record<string, [string, string | null]> = {
  experiments: ["Experiments", "/experiments"],
  runs: ["Runs", null],
  artifacts: ["Artifacts", null],
  models: ["Models", "/models"],
  jobs: ["Jobs", "/jobs"],
  endpoints: ["Endpoints", "/endpoints"],
  data_assets: ["Data assets", "/data"],
};

function Stat({ label, value, to, hint }: { label: string; value: number | string | undefined; to?: string | null; hint?: string }) {
  const body = (
    <>
      <span className="label">{label}</span>
      <span className="value num">{value === undefined ? <span className="skeleton" style={{ display: "block", width: 60, height: 30 }} /> : typeof value === "number" ? value.toLocaleString("en-US") : value}</span>
      {hint && <span className="hint">{hint}</span>}
    </>
  );
  return to ? <Link to={to} className="card stat">{body}</Link> : <div className="card stat">{body}</div>;
}

export function HomePage() {
  useCrumbs([{ label: "Home" }]);
  const ws = useWorkspace();
  const exps = useExperiments();
  const recent = useRunsPage({ order_by: ["attributes.start_time DESC"], max_results: 12 }, { live: true });
  const running = useRunsPage({ filter: "attributes.status = 'Running'", max_results: 100 }, { live: true });
  const failed = useRunsPage({ filter: "attributes.status = 'Failed'", max_results: 100 }, { live: true });
  const counts = ws.data?.counts ?? { experiments: undefined };
  const few = (q: typeof running) => (q.data ? (q.data.next_page_token ? "100+" : q.data.runs.length) : undefined);
  const expName = new Map((exps.data ?? []).map((e) => [e.id, e.name]));

  return (
    <div className="page">
      <div className="page-head">
        <div className="titles">
          <h1>{ws.data ? ws.data.name : "Workspace"}</h1>
          <div className="sub">Experiments, runs and their results at a glance.</div>
        </div>
      </div>

      {ws.isError ? (
        <div className="card"><ErrorState error={ws.error} onRetry={() => ws.refetch()} /></div>
      ) : (
        <div className="stats" data-testid="counts">
          {Object.entries(counts).map(([k, v]) => {
            const [label, to] = COUNT_LABELS[k] ?? [k.replace(/_/g, " "), null];
            return <Stat key={k} label={label} value={v} to={to} />;
          })}
          <Stat label="Running now" value={few(running)} hint="Runs still logging" />
          <Stat label="Failed runs" value={few(failed)} hint="Across all experiments" />
        </div>
      )}

      <div className="grid-2" style={{ gridTemplateColumns: "minmax(0, 2fr) minmax(280px, 1fr)" }}>
        <section className="card">
          <div className="card-head"><h2>Recent runs</h2></div>
          <div className="card-body flush">
            {recent.isLoading ? <Loading /> : recent.isError ? <ErrorState error={recent.error} onRetry={() => recent.refetch()} /> :
              recent.data!.runs.length === 0 ? (
                <Empty title="No runs yet">
                  Log one from Python: <code>with yard.start_run(experiment="demo"): yard.log_metric("acc", 0.9)</code>
                </Empty>
              ) : <RunsList runs={recent.data!.runs} experimentNames={expName} />}
          </div>
        </section>
        <section className="card">
          <div className="card-head"><h2>Experiments</h2><Link to="/experiments" className="btn sm ghost">All</Link></div>
          <div className="card-body flush">
            {exps.isLoading ? <Loading /> : exps.isError ? <ErrorState error={exps.error} /> : exps.data!.length === 0 ? (
              <Empty title="No experiments yet" icon={<FlaskIcon size={28} />}>An experiment is created when the first run is logged to it.</Empty>
            ) : (
              <ul className="link-list">
                {[...exps.data!].sort((a, b) => b.updated_at.localeCompare(a.updated_at)).slice(0, 10).map((e) => (
                  <li key={e.id}><Link to={`/experiments/${e.id}`}><FlaskIcon /> <span className="ellipsis">{e.name}</span></Link></li>
                ))}
              </ul>
            )}
          </div>
        </section>
      </div>
    </div>
  );
}

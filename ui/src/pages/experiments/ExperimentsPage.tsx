import { Link, useSearchParams } from "react-router";
import { useCrumbs } from "../../components/Crumbs";
import { FlaskIcon, SearchIcon } from "../../components/Icons";
import { Empty, ErrorState, Loading } from "../../components/States";
import { useExperiments } from "../../data/tracking/hooks";
import { formatDateTime, formatRelative } from "../../lib/format";

export function ExperimentsPage() {
  useCrumbs([{ label: "Experiments" }]);
  const [sp, setSp] = useSearchParams();
  const q = sp.get("q") ?? "";
  const view = sp.get("view") === "deleted" ? "deleted" : "active";
  const exps = useExperiments(view);
  const needle = q.trim().toLowerCase();
  const rows = (exps.data ?? [])
    .filter((e) => !needle || e.name.toLowerCase().includes(needle) || e.id.includes(needle) ||
      Object.entries(e.tags ?? {}).some(([k, v]) => `${k}=${v}`.toLowerCase().includes(needle)))
    .sort((a, b) => b.updated_at.localeCompare(a.updated_at));

  const setParam = (k: string, v: string) => {
    const next = new URLSearchParams(sp);
    if (v) next.set(k, v);
    else next.delete(k);
    setSp(next, { replace: true });
  };

  return (
    <div className="page">
      <div className="page-head">
        <div className="titles">
          <h1>Experiments</h1>
          <div className="sub">Each experiment groups the runs of one question. Open one to search, sort and compare its runs.</div>
        </div>
      </div>
      <div className="card">
        <div className="card-head">
          <div className="search-box" style={{ flex: 1, maxWidth: 420 }}>
            <SearchIcon className="search-icon" />
            <input className="input" placeholder="Filter by name, id or tag" value={q} aria-label="Filter experiments"
              onChange={(e) => setParam("q", e.target.value)} />
          </div>
          <div className="segmented" role="group" aria-label="Show">
            <button className={view === "active" ? "on" : ""} onClick={() => setParam("view", "")}>Active</button>
            <button className={view === "deleted" ? "on" : ""} onClick={() => setParam("view", "deleted")}>Deleted</button>
          </div>
        </div>
        <div className="card-body flush">
          {exps.isLoading ? <Loading /> : exps.isError ? <ErrorState error={exps.error} onRetry={() => exps.refetch()} /> :
            rows.length === 0 ? (
              needle ? <Empty title="No experiment matches">Nothing matches “{q}”.</Empty> :
                <Empty title={view === "deleted" ? "No deleted experiments" : "No experiments yet"} icon={<FlaskIcon size={28} />}>
                  {view === "active" && <>Create one with <code>modelyard experiment create NAME</code>, or log a run: <code>yard.start_run(experiment="NAME")</code>.</>}
                </Empty>
            ) : (
              <table className="table" data-testid="experiments-table">
                <thead><tr><th>Name</th><th>Tags</th><th>Created</th><th>Last activity</th><th>ID</th></tr></thead>
                <tbody>
                  {rows.map((e) => (
                    <tr key={e.id}>
                      <td>
                        <Link to={`/experiments/${e.id}`} style={{ fontWeight: 500 }}>{e.name}</Link>
                        {e.description && <div className="faint ellipsis" style={{ maxWidth: 420 }}>{e.description}</div>}
                      </td>
                      <td><div className="chips">{Object.entries(e.tags ?? {}).slice(0, 4).map(([k, v]) => <span key={k} className="chip">{k}: <b>{v}</b></span>)}</div></td>
                      <td className="muted" title={formatDateTime(e.created_at)}>{formatRelative(e.created_at)}</td>
                      <td className="muted" title={formatDateTime(e.updated_at)}>{formatRelative(e.updated_at)}</td>
                      <td className="mono faint">{e.id}</td>
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

/** One registered model: its versions (newest first) with aliases, flavors and source runs. */
import { Link, useParams } from "react-router";
import { useCrumbs } from "../../components/Crumbs";
import { Empty, ErrorState, Loading } from "../../components/States";
import { useModelVersions } from "../../data/models/hooks";
import { formatRelative, shortId } from "../../lib/format";

export default function ModelPage() {
  const { name = "" } = useParams();
  useCrumbs([{ label: "Models", to: "/models" }, { label: name }]);
  const versions = useModelVersions(name);
  const rows = [...(versions.data ?? [])].sort((a, b) => b.version - a.version);
  return (
    <div className="page">
      <div className="page-head"><div className="titles"><h1>{name}</h1><div className="sub">{rows.length} version{rows.length === 1 ? "" : "s"}</div></div></div>
      <div className="card">
        <div className="card-body flush" style={{ overflowX: "auto" }}>
          {versions.isLoading ? <Loading label="Loading versions…" /> : versions.isError ? <ErrorState error={versions.error} onRetry={() => versions.refetch()} /> :
            rows.length === 0 ? <Empty title="No versions">This model has no versions yet.</Empty> : (
              <table className="table nowrap" data-testid="versions-table">
                <thead><tr><th>Version</th><th>Aliases</th><th>Flavors</th><th>Source run</th><th>Tags</th><th>Created</th></tr></thead>
                <tbody>
                  {rows.map((v) => (
                    <tr key={v.version} className={v.archived ? "muted" : undefined}>
                      <td className="mono"><Link to={`/models/${encodeURIComponent(name)}/versions/${v.version}`}>v{v.version}</Link>{v.archived && " (archived)"}</td>
                      <td>{v.aliases.map((a) => <span key={a} className="chip">@{a}</span>)}</td>
                      <td>{v.flavors.map((f) => <span key={f} className="chip">{f}</span>)}</td>
                      <td className="mono">{v.run_id ? <Link to={`/runs/${v.run_id}`}>{shortId(v.run_id)}</Link> : "—"}</td>
                      <td>{Object.entries(v.tags).map(([k, val]) => <span key={k} className="chip">{k}={val}</span>)}</td>
                      <td className="muted" title={v.created_at}>{formatRelative(v.created_at)}</td>
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

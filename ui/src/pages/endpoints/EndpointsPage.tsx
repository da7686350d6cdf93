/** Online endpoints: state of their deployments and the traffic split. */
import { Link } from "react-router";
import { useCrumbs } from "../../components/Crumbs";
import { RadioIcon } from "../../components/Icons";
import { Empty, ErrorState, Loading } from "../../components/States";
import { StatusBadge } from "../../components/StatusBadge";
import { useAllDeployments, useEndpoints } from "../../data/models/hooks";
import { formatRelative } from "../../lib/format";
import { endpointState, trafficRows } from "../../lib/models";

export function EndpointsPage() {
  useCrumbs([{ label: "Endpoints" }]);
  const endpoints = useEndpoints();
  const deployments = useAllDeployments();
  const rows = [...(endpoints.data ?? [])].sort((a, b) => a.name.localeCompare(b.name));
  return (
    <div className="page">
      <div className="page-head">
        <div className="titles">
          <h1>Endpoints</h1>
          <div className="sub">Online endpoints serve models over HTTP behind one key; traffic is split between their deployments.</div>
        </div>
      </div>
      <div className="card">
        <div className="card-body flush" style={{ overflowX: "auto" }}>
          {endpoints.isLoading ? <Loading label="Loading endpoints…" /> : endpoints.isError ? <ErrorState error={endpoints.error} onRetry={() => endpoints.refetch()} /> :
            rows.length === 0 ? (
              <Empty title="No endpoints yet" icon={<RadioIcon size={28} />}>
                Create one: <code>modelyard endpoint create --name my-endpoint</code>, then
                <code> modelyard endpoint deployment create --endpoint my-endpoint --name blue --model models:/my-model/1</code>.
              </Empty>
            ) : (
              <table className="table nowrap" data-testid="endpoints-table">
                <thead><tr><th>Name</th><th>State</th><th>Kind</th><th>Deployments</th><th>Traffic</th><th>Updated</th></tr></thead>
                <tbody>
                  {rows.map((e) => {
                    const deps = (deployments.data ?? []).filter((d) => d.endpoint === e.name);
                    return (
                      <tr key={e.name} data-endpoint={e.name}>
                        <td><Link to={`/endpoints/${encodeURIComponent(e.name)}`}>{e.name}</Link></td>
                        <td><StatusBadge status={endpointState(deps)} /></td>
                        <td><span className="chip">{e.kind}</span></td>
                        <td>{deps.map((d) => <span key={d.name} className="chip" title={d.model}>{d.name}: {d.state}</span>)}</td>
                        <td className="mono">{trafficRows(e.traffic, deps.map((d) => d.name)).filter((t) => t.percent > 0).map((t) => `${t.name} ${t.percent}%`).join(", ") || "—"}</td>
                        <td className="muted" title={e.updated_at}>{formatRelative(e.updated_at)}</td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            )}
        </div>
      </div>
    </div>
  );
}

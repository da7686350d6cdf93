/** The model registry: every registered model with its latest version, aliases and tags. */
import { Link, useSearchParams } from "react-router";
import { useCrumbs } from "../../components/Crumbs";
import { BoxIcon, SearchIcon } from "../../components/Icons";
import { Empty, ErrorState, Loading } from "../../components/States";
import { useModels } from "../../data/models/hooks";
import { formatRelative } from "../../lib/format";

export function ModelsPage() {
  useCrumbs([{ label: "Models" }]);
  const [sp, setSp] = useSearchParams();
  const q = sp.get("q") ?? "";
  const models = useModels();
  const needle = q.trim().toLowerCase();
  const rows = (models.data ?? [])
    .filter((m) => !needle || m.name.toLowerCase().includes(needle)
      || Object.entries(m.tags).some(([k, v]) => `${k}=${v}`.toLowerCase().includes(needle)))
    .sort((a, b) => a.name.localeCompare(b.name));
  return (
    <div className="page">
      <div className="page-head">
        <div className="titles">
          <h1>Models</h1>
          <div className="sub">Registered models: numbered versions, aliases, and the runs that trained them.</div>
        </div>
      </div>
      <div className="card">
        <div className="card-head">
          <div className="search-box" style={{ flex: 1, maxWidth: 420 }}>
            <SearchIcon className="search-icon" />
            <input className="input" placeholder="Filter by name or tag" value={q} aria-label="Filter models"
              onChange={(e) => { const n = new URLSearchParams(sp); if (e.target.value) n.set("q", e.target.value); else n.delete("q"); setSp(n, { replace: true }); }} />
          </div>
        </div>
        <div className="card-body flush" style={{ overflowX: "auto" }}>
          {models.isLoading ? <Loading label="Loading models…" /> : models.isError ? <ErrorState error={models.error} onRetry={() => models.refetch()} /> :
            rows.length === 0 ? (
              needle ? <Empty title="No model matches">Nothing matches “{q}”.</Empty> :
                <Empty title="No registered models yet" icon={<BoxIcon size={28} />}>
                  Log one in a run with <code>yard.log_model(model, registered_model_name="my-model")</code>, or
                  run <code>modelyard model create --name my-model --path ./model</code>.
                </Empty>
            ) : (
              <table className="table nowrap" data-testid="models-table">
                <thead><tr><th>Name</th><th>Latest version</th><th>Aliases</th><th>Tags</th><th>Updated</th><th>Description</th></tr></thead>
                <tbody>
                  {rows.map((m) => (
                    <tr key={m.name} data-model={m.name}>
                      <td><Link to={`/models/${encodeURIComponent(m.name)}`}>{m.name}</Link></td>
                      <td className="mono">{m.latest_version == null ? "—" :
                        <Link to={`/models/${encodeURIComponent(m.name)}/versions/${m.latest_version}`}>v{m.latest_version}</Link>}</td>
                      <td>{Object.entries(m.aliases).map(([a, v]) => <span key={a} className="chip" title={`version ${v}`}>@{a} → v{v}</span>)}</td>
                      <td>{Object.entries(m.tags).map(([k, v]) => <span key={k} className="chip">{k}={v}</span>)}</td>
                      <td className="muted" title={m.updated_at}>{formatRelative(m.updated_at)}</td>
                      <td className="muted ellipsis" style={{ maxWidth: 320 }}>{m.description ?? ""}</td>
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

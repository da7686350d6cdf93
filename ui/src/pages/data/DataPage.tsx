/** Data assets: every asset's latest version, filtered by name in the URL. */
import { Link, useSearchParams } from "react-router";
import { useCrumbs } from "../../components/Crumbs";
import { DatabaseIcon, SearchIcon } from "../../components/Icons";
import { Empty, ErrorState, Loading } from "../../components/States";
import { useDataAssets } from "../../data/data/hooks";
import { formatBytes, formatNumber, formatRelative } from "../../lib/format";

export function DataPage() {
  useCrumbs([{ label: "Data" }]);
  const [sp, setSp] = useSearchParams();
  const q = sp.get("q") ?? "";
  const assets = useDataAssets();
  const needle = q.trim().toLowerCase();
  const rows = (assets.data ?? []).filter((a) => !needle || a.name.toLowerCase().includes(needle) || a.type.includes(needle))
    .sort((a, b) => a.name.localeCompare(b.name));
  return (
    <div className="page">
      <div className="page-head">
        <div className="titles">
          <h1>Data</h1>
          <div className="sub">Versioned data assets: files, folders and tables, with a content hash per version, a preview and a profile.</div>
        </div>
      </div>
      <div className="card">
        <div className="card-head">
          <div className="search-box" style={{ flex: 1, maxWidth: 420 }}>
            <SearchIcon className="search-icon" />
            <input className="input" placeholder="Filter by name or type" value={q} aria-label="Filter data assets"
              onChange={(e) => { const n = new URLSearchParams(sp); if (e.target.value) n.set("q", e.target.value); else n.delete("q"); setSp(n, { replace: true }); }} />
          </div>
        </div>
        <div className="card-body flush" style={{ overflowX: "auto" }}>
          {assets.isLoading ? <Loading label="Loading data assets…" /> : assets.isError ? <ErrorState error={assets.error} onRetry={() => assets.refetch()} /> :
            rows.length === 0 ? (
              needle ? <Empty title="No data asset matches">Nothing matches “{q}”.</Empty> :
                <Empty title="No data assets yet" icon={<DatabaseIcon size={28} />}>
                  Register one: <code>modelyard data create --name iris --path iris.csv --type uri_file</code>.
                </Empty>
            ) : (
              <table className="table nowrap" data-testid="data-table">
                <thead><tr><th>Name</th><th>Latest</th><th>Type</th><th className="num">Rows</th><th className="num">Files</th><th className="num">Size</th><th>Created</th><th>Description</th></tr></thead>
                <tbody>
                  {rows.map((a) => (
                    <tr key={a.name} data-asset={a.name}>
                      <td><Link to={`/data/${encodeURIComponent(a.name)}`}>{a.name}</Link></td>
                      <td className="mono">v{a.version}</td>
                      <td><span className="chip">{a.type}</span></td>
                      <td className="num">{a.row_count == null ? "—" : formatNumber(a.row_count)}</td>
                      <td className="num">{a.file_count}</td>
                      <td className="num">{formatBytes(a.size_bytes)}</td>
                      <td className="muted" title={a.created_at}>{formatRelative(a.created_at)}</td>
                      <td className="muted ellipsis" style={{ maxWidth: 320 }}>{a.description ?? ""}</td>
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

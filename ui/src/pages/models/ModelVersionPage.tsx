/**
 * One model version: flavors, signature (a table of columns and types), the saved input
 * example, aliases, tags, lineage (source run and the data it read) and its files to download.
 */
import { Link, useParams } from "react-router";
import { useCrumbs } from "../../components/Crumbs";
import { DownloadIcon } from "../../components/Icons";
import { Empty, ErrorState, Loading } from "../../components/States";
import { useInputExample, useModelFiles, useModelVersion, useRunDataInputs } from "../../data/models/hooks";
import { useRun } from "../../data/tracking/hooks";
import { formatBytes, formatDateTime, shortId } from "../../lib/format";
import { modelFileUrl, parseSignature, type SignatureColumn } from "../../lib/models";

function SignatureTable({ title, cols }: { title: string; cols: SignatureColumn[] }) {
  return (
    <div>
      <h3 style={{ margin: "8px 0" }}>{title}</h3>
      {cols.length === 0 ? <div className="muted">Not recorded.</div> : (
        <table className="table nowrap" data-testid={`signature-${title.toLowerCase()}`}>
          <thead><tr><th>Column</th><th>Type</th><th>Required</th></tr></thead>
          <tbody>{cols.map((c) => <tr key={c.name}><td className="mono">{c.name}</td><td className="mono">{c.type}</td><td>{c.required ? "yes" : "no"}</td></tr>)}</tbody>
        </table>
      )}
    </div>
  );
}

export default function ModelVersionPage() {
  const { name = "", version = "" } = useParams();
  useCrumbs([{ label: "Models", to: "/models" }, { label: name, to: `/models/${encodeURIComponent(name)}` }, { label: `v${version}` }]);
  const v = useModelVersion(name, version);
  const files = useModelFiles(name, version);
  const hasExample = files.data ? files.data.some((f) => f.path === "input_example.json") : undefined;
  const example = useInputExample(name, version, hasExample);
  const run = useRun(v.data?.run_id ?? undefined);
  const inputs = useRunDataInputs(v.data?.run_id);
  if (v.isLoading) return <div className="page"><Loading label="Loading the model version…" /></div>;
  if (v.isError || !v.data) return <div className="page"><ErrorState error={v.error} onRetry={() => v.refetch()} /></div>;
  const mv = v.data;
  const sig = parseSignature(mv.signature);
  return (
    <div className="page" data-testid="model-version">
      <div className="page-head">
        <div className="titles">
          <h1>{mv.name} <span className="muted">v{mv.version}</span></h1>
          <div className="sub mono">{mv.uri}{mv.archived ? " · archived" : ""}</div>
        </div>
      </div>
      <div className="grid-2">
        <div className="card">
          <div className="card-head"><h2>Details</h2></div>
          <div className="card-body">
            <dl className="kv">
              <dt>Flavors</dt><dd>{mv.flavors.map((f) => <span key={f} className="chip">{f}</span>)}</dd>
              <dt>Aliases</dt><dd>{mv.aliases.length ? mv.aliases.map((a) => <span key={a} className="chip">@{a}</span>) : "—"}</dd>
              <dt>Tags</dt><dd>{Object.keys(mv.tags).length ? Object.entries(mv.tags).map(([k, val]) => <span key={k} className="chip">{k}={val}</span>) : "—"}</dd>
              <dt>Description</dt><dd>{mv.description ?? "—"}</dd>
              <dt>Source</dt><dd className="mono ellipsis" title={mv.source}>{mv.source}</dd>
              <dt>Created</dt><dd>{formatDateTime(mv.created_at)}</dd>
            </dl>
          </div>
        </div>
        <div className="card" data-testid="lineage">
          <div className="card-head"><h2>Lineage</h2></div>
          <div className="card-body">
            {!mv.run_id ? <div className="muted">Registered from files, not from a run.</div> : (
              <dl className="kv">
                <dt>Source run</dt>
                <dd><Link to={`/runs/${mv.run_id}`}>{run.data?.name ?? shortId(mv.run_id)}</Link>
                  {run.data && <> in <Link to={`/experiments/${run.data.experiment_id}`}>experiment {run.data.experiment_id}</Link></>}</dd>
                <dt>Data inputs</dt>
                <dd>{inputs.isLoading ? "…" : (inputs.data ?? []).length === 0 ? "none recorded" :
                  inputs.data!.map((e) => <Link key={`${e.name}:${e.version}`} className="chip" to={`/data/${encodeURIComponent(e.name)}?version=${encodeURIComponent(e.version)}`}>{e.name}:{e.version}</Link>)}</dd>
              </dl>
            )}
          </div>
        </div>
      </div>
      <div className="card">
        <div className="card-head"><h2>Signature</h2></div>
        <div className="card-body">
          {!mv.signature ? <Empty title="No signature">This version was logged without a signature.</Empty> : (
            <div className="grid-2"><SignatureTable title="Inputs" cols={sig.inputs} /><SignatureTable title="Outputs" cols={sig.outputs} /></div>
          )}
        </div>
      </div>
      <div className="card">
        <div className="card-head"><h2>Input example</h2></div>
        <div className="card-body">
          {example.isLoading || hasExample === undefined ? <Loading /> : example.data == null ? <div className="muted">No input example was saved.</div> :
            <pre data-testid="input-example" style={{ maxHeight: 280, overflow: "auto", margin: 0 }}>{JSON.stringify(example.data, null, 2)}</pre>}
        </div>
      </div>
      <div className="card">
        <div className="card-head"><h2>Files</h2></div>
        <div className="card-body flush">
          {files.isLoading ? <Loading /> : files.isError ? <ErrorState error={files.error} /> : (
            <table className="table nowrap" data-testid="model-files">
              <thead><tr><th>Path</th><th className="num">Size</th><th /></tr></thead>
              <tbody>{(files.data ?? []).filter((f) => !f.is_dir).map((f) => (
                <tr key={f.path}>
                  <td className="mono">{f.path}</td><td className="num">{formatBytes(f.size)}</td>
                  <td><a className="btn sm ghost" href={modelFileUrl(mv.name, mv.version, f.path)} download={f.path.split("/").pop()}><DownloadIcon size={14} /> Download</a></td>
                </tr>
              ))}</tbody>
            </table>
          )}
        </div>
      </div>
    </div>
  );
}

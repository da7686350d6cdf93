/** One data asset: a version (in the URL), its preview, profile, files, versions and lineage. */
import { Link, useParams, useSearchParams } from "react-router";
import { useCrumbs } from "../../components/Crumbs";
import { Empty, ErrorState, Loading } from "../../components/States";
import { Tabs, useTab } from "../../components/Tabs";
import { useDataFiles, useDataLineage, useDataPreview, useDataProfile, useDataVersions, useTablePreview } from "../../data/data/hooks";
import { barHeights, cellText, dataFileUrl, delimiterFor, previewFile, sortVersions, type ColumnProfile, type DataVersion } from "../../lib/dataAssets";
import { formatBytes, formatDateTime, formatNumber, formatRelative, shortId } from "../../lib/format";
import "./data.css";

const isNum = (s: string | undefined) => s != null && s !== "" && Number.isFinite(Number(s));

const PREVIEW_ROWS = 100;

function Preview({ v }: { v: DataVersion }) {
  return v.type === "mltable" ? <TablePreviewView v={v} /> : <FilePreview v={v} />;
}

/** A table version's first rows as the server reads them (any format, SQL tables too). */
function TablePreviewView({ v }: { v: DataVersion }) {
  const prev = useTablePreview(v.name, v.version, PREVIEW_ROWS, true);
  if (prev.isLoading) return <Loading label="Reading the table…" />;
  if (prev.isError) return <ErrorState error={prev.error} title="No preview" />;
  const { columns, rows, truncated } = prev.data!;
  if (!rows.length) return <Empty title="No rows">This table has columns but no rows.</Empty>;
  const numeric = columns.map((c) => c.type === "integer" || c.type === "float");
  return (
    <>
      <div className="hint-text" style={{ padding: "8px 16px" }}>{truncated ? `the first ${rows.length} rows` : `all ${rows.length} rows`}</div>
      <div style={{ overflow: "auto", maxHeight: "62vh" }}>
        <table className="table nowrap" data-testid="data-preview">
          <thead><tr><th className="faint">#</th>{columns.map((c) => <th key={c.name} title={c.type}>{c.name}</th>)}</tr></thead>
          <tbody>
            {rows.map((r, i) => <tr key={i}><td className="faint num">{i + 1}</td>{columns.map((_, j) => <td key={j} className={numeric[j] ? "num" : ""}>{cellText(r[j])}</td>)}</tr>)}
          </tbody>
        </table>
      </div>
    </>
  );
}

/** The first rows of a CSV/TSV file of a file or folder version. */
function FilePreview({ v }: { v: DataVersion }) {
  const files = useDataFiles(v.name, v.version);
  const file = files.data ? previewFile(files.data) : null;
  const prev = useDataPreview(v.name, v.version, file?.path, delimiterFor(file?.path ?? "", v.table));
  if (files.isLoading || prev.isLoading) return <Loading label="Reading the data…" />;
  if (files.isError) return <ErrorState error={files.error} />;
  if (!file) return <Empty title="Nothing to preview">This version has no CSV or TSV file; its files are listed under Files.</Empty>;
  if (prev.isError) return <ErrorState error={prev.error} />;
  const [head = [], ...body] = prev.data!.rows;
  return (
    <>
      <div className="hint-text" style={{ padding: "8px 16px" }}>{file.path} · the first {body.length} rows</div>
      <div style={{ overflow: "auto", maxHeight: "62vh" }}>
        <table className="table nowrap" data-testid="data-preview">
          <thead><tr><th className="faint">#</th>{head.map((h, i) => <th key={i}>{h}</th>)}</tr></thead>
          <tbody>
            {body.map((r, i) => <tr key={i}><td className="faint num">{i + 1}</td>{head.map((_, j) => <td key={j} className={isNum(r[j]) ? "num" : ""}>{r[j]}</td>)}</tr>)}
          </tbody>
        </table>
      </div>
    </>
  );
}

function Histogram({ c }: { c: ColumnProfile }) {
  if (c.histogram?.length) {
    const h = barHeights(c.histogram.map((b) => b.count));
    return (
      <svg className="histogram" viewBox={`0 0 ${h.length * 6} 30`} preserveAspectRatio="none" role="img" aria-label={`histogram of ${c.name}`}>
        {h.map((v, i) => <rect key={i} x={i * 6 + 0.5} y={30 - v * 30} width={5} height={Math.max(v * 30, 0.5)}><title>{`${formatNumber(c.histogram![i].lower)} – ${formatNumber(c.histogram![i].upper)}: ${c.histogram![i].count}`}</title></rect>)}
      </svg>
    );
  }
  if (c.top_values?.length) {
    return (
      <div className="top-values">
        {c.top_values.slice(0, 4).map((t) => <span key={t.value} className="chip" title={`${t.count} rows`}>{t.value} <span className="faint">{t.count}</span></span>)}
      </div>
    );
  }
  return null;
}

function Profile({ v }: { v: DataVersion }) {
  const p = useDataProfile(v.name, v.version, true);
  if (p.isLoading) return <Loading label="Profiling the table (once per version)…" />;
  if (p.isError) return <ErrorState error={p.error} title="No profile" />;
  const prof = p.data!;
  return (
    <>
      <div className="hint-text" style={{ padding: "8px 16px" }}>{formatNumber(prof.row_count)} rows · {prof.columns.length} columns · computed {formatRelative(prof.computed_at)}</div>
      <table className="table nowrap" data-testid="data-profile">
        <thead><tr><th>Column</th><th>Type</th><th className="num">Missing</th><th className="num">Distinct</th><th className="num">Min</th><th className="num">Max</th><th className="num">Mean</th><th className="num">Std</th><th>Distribution</th></tr></thead>
        <tbody>
          {prof.columns.map((c) => (
            <tr key={c.name} data-column={c.name}>
              <td>{c.name}</td>
              <td><span className="chip">{c.type}</span></td>
              <td className={`num ${c.missing_count ? "warn-text" : ""}`}>{c.missing_count} ({(c.missing_share * 100).toFixed(1)}%)</td>
              <td className="num">{c.distinct_exact ? "" : "≈"}{formatNumber(c.distinct_count)}</td>
              <td className="num">{typeof c.min === "number" ? formatNumber(c.min) : c.min ?? "—"}</td>
              <td className="num">{typeof c.max === "number" ? formatNumber(c.max) : c.max ?? "—"}</td>
              <td className="num">{formatNumber(c.mean)}</td>
              <td className="num">{formatNumber(c.std)}</td>
              <td><Histogram c={c} /></td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

function Files({ v }: { v: DataVersion }) {
  const files = useDataFiles(v.name, v.version);
  if (files.isLoading) return <Loading />;
  if (files.isError) return <ErrorState error={files.error} />;
  return (
    <table className="table" data-testid="data-files">
      <thead><tr><th>Path</th><th className="num">Size</th></tr></thead>
      <tbody>{files.data!.filter((f) => !f.is_dir).map((f) => (
        <tr key={f.path}><td className="mono"><a href={dataFileUrl(v.name, v.version, f.path)} download>{f.path}</a></td><td className="num">{formatBytes(f.size)}</td></tr>
      ))}</tbody>
    </table>
  );
}

function Lineage({ v }: { v: DataVersion }) {
  const l = useDataLineage(v.name, v.version);
  if (l.isLoading) return <Loading />;
  if (l.isError) return <ErrorState error={l.error} />;
  if (!l.data!.length) return <Empty title="No lineage yet">Runs that read or write this version appear here.</Empty>;
  return (
    <table className="table" data-testid="data-lineage">
      <thead><tr><th>Run</th><th>Direction</th><th>When</th></tr></thead>
      <tbody>{l.data!.map((e) => (
        <tr key={`${e.run_id}-${e.direction}`}><td><Link to={`/runs/${e.run_id}`} className="mono">{shortId(e.run_id)}</Link></td><td>{e.direction === "input" ? "read by" : "written by"}</td><td className="muted">{formatDateTime(e.created_at)}</td></tr>
      ))}</tbody>
    </table>
  );
}

export default function DataAssetPage() {
  const { name = "" } = useParams();
  const [sp, setSp] = useSearchParams();
  const versions = useDataVersions(name);
  useCrumbs([{ label: "Data", to: "/data" }, { label: name }]);
  const all = sortVersions(versions.data ?? []);
  const v = all.find((x) => x.version === sp.get("version")) ?? all[0];
  const table = v?.type === "mltable";
  const tabs = [
    { id: "preview", label: "Preview" },
    ...(table ? [{ id: "profile", label: "Profile" }] : []),
    { id: "files", label: "Files", count: v?.file_count },
    { id: "versions", label: "Versions", count: all.length || undefined },
    { id: "lineage", label: "Lineage" },
  ];
  const tab = useTab(tabs);
  if (versions.isLoading) return <Loading label="Loading data asset…" />;
  if (versions.isError) return <div className="card"><ErrorState error={versions.error} onRetry={() => versions.refetch()} /></div>;
  if (!v) return <div className="card"><Empty title="No versions">This asset has no versions.</Empty></div>;
  const pick = (ver: string) => { const n = new URLSearchParams(sp); n.set("version", ver); setSp(n, { replace: true }); };
  return (
    <div className="page wide">
      <div className="page-head">
        <div className="titles">
          <div className="row" style={{ gap: 10 }}>
            <h1 data-testid="data-name">{v.name}</h1>
            <select className="input" style={{ width: "auto" }} value={v.version} aria-label="Version" onChange={(e) => pick(e.target.value)}>
              {all.map((x) => <option key={x.version} value={x.version}>v{x.version}</option>)}
            </select>
            <span className="chip">{v.type}</span>
          </div>
          <div className="sub">
            {v.row_count != null && <span>{formatNumber(v.row_count)} rows</span>}
            <span>{v.file_count} files · {formatBytes(v.size_bytes)}</span>
            <span className="mono faint" title="content hash">{v.content_hash.slice(0, 16)}</span>
            <span>{formatDateTime(v.created_at)}</span>
            {v.description && <span>{v.description}</span>}
          </div>
        </div>
      </div>
      <Tabs tabs={tabs} active={tab} />
      <div className="card"><div className="card-body flush">
        {tab === "preview" && <Preview v={v} />}
        {tab === "profile" && <Profile v={v} />}
        {tab === "files" && <Files v={v} />}
        {tab === "lineage" && <Lineage v={v} />}
        {tab === "versions" && (
          <table className="table" data-testid="data-versions">
            <thead><tr><th>Version</th><th className="num">Rows</th><th className="num">Size</th><th>Hash</th><th>Created</th></tr></thead>
            <tbody>{all.map((x) => (
              <tr key={x.version}><td><button className="btn ghost sm" onClick={() => pick(x.version)}>v{x.version}</button></td><td className="num">{x.row_count == null ? "—" : formatNumber(x.row_count)}</td><td className="num">{formatBytes(x.size_bytes)}</td><td className="mono faint">{x.content_hash.slice(0, 16)}</td><td className="muted">{formatDateTime(x.created_at)}</td></tr>
            ))}</tbody>
          </table>
        )}
      </div></div>
    </div>
  );
}

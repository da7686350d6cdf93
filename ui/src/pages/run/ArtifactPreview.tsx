import type { ReactNode } from "react";
import { artifactUrl } from "../../api/client";
import { DownloadIcon } from "../../components/Icons";
import { Empty, ErrorState, Loading } from "../../components/States";
import { useArtifactText } from "../../data/tracking/hooks";
import { MAX_PREVIEW_BYTES, previewKind } from "../../lib/artifacts";
import { parseCsv } from "../../lib/csv";
import { formatBytes } from "../../lib/format";

const CSV_ROWS = 1000;

/** JSON pretty-printed with keys, strings, numbers and literals colored. */
function JsonView({ text }: { text: string }) {
  let pretty: string;
  try {
    pretty = JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    // JSON Lines, or invalid JSON: show as it is.
    return <pre>{text}</pre>;
  }
  const parts: ReactNode[] = [];
  const re = /("(?:\\.|[^"\\])*")(\s*:)?|(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)|\b(true|false|null)\b/g;
  let last = 0;
  let m: RegExpExecArray | null;
  let i = 0;
  while ((m = re.exec(pretty))) {
    if (m.index > last) parts.push(pretty.slice(last, m.index));
    if (m[1]) parts.push(<span key={i++} className={m[2] ? "json-key" : "json-str"}>{m[1]}</span>, m[2] ?? "");
    else if (m[3]) parts.push(<span key={i++} className="json-num">{m[3]}</span>);
    else parts.push(<span key={i++} className="json-lit">{m[4]}</span>);
    last = re.lastIndex;
  }
  parts.push(pretty.slice(last));
  return <pre data-testid="json-preview">{parts}</pre>;
}

/** YAML with keys and comments colored, line by line. */
function YamlView({ text }: { text: string }) {
  return (
    <pre data-testid="yaml-preview">
      {text.split("\n").map((line, i) => {
        const c = line.match(/^(\s*)(#.*)$/);
        if (c) return <div key={i}>{c[1]}<span className="yaml-comment">{c[2]}</span></div>;
        const k = line.match(/^(\s*-?\s*)([^:#\s][^:#]*?)(:)(\s.*|$)/);
        if (k) return <div key={i}>{k[1]}<span className="yaml-key">{k[2]}</span>{k[3]}{k[4]}</div>;
        return <div key={i}>{line || " "}</div>;
      })}
    </pre>
  );
}

function CsvView({ text, delimiter }: { text: string; delimiter: string }) {
  const rows = parseCsv(text, { delimiter, maxRows: CSV_ROWS + 1 });
  if (rows.length === 0) return <Empty title="Empty file" />;
  const [head, ...body] = rows;
  return (
    <>
      <table className="table" data-testid="csv-preview">
        <thead><tr><th className="faint">#</th>{head.map((h, i) => <th key={i}>{h}</th>)}</tr></thead>
        <tbody>
          {body.slice(0, CSV_ROWS).map((r, i) => (
            <tr key={i}><td className="faint num">{i + 1}</td>{head.map((_, j) => <td key={j} className={isNum(r[j]) ? "num" : ""}>{r[j]}</td>)}</tr>
          ))}
        </tbody>
      </table>
      {body.length > CSV_ROWS && <div className="hint-text" style={{ padding: 12 }}>Showing the first {CSV_ROWS} rows.</div>}
    </>
  );
}

const isNum = (s: string | undefined) => s != null && s !== "" && Number.isFinite(Number(s));

export function ArtifactPreview({ runId, path, size }: { runId: string; path: string; size?: number | null }) {
  const kind = previewKind(path);
  const url = artifactUrl(runId, path);
  const tooBig = size != null && size > MAX_PREVIEW_BYTES;
  const textual = kind !== "image" && kind !== "binary" && !tooBig;
  const text = useArtifactText(runId, textual ? path : null, size);

  let body: ReactNode;
  if (kind === "image") body = <img src={url} alt={path} data-testid="image-preview" />;
  else if (kind === "binary") body = <Empty title="No preview for this file type">Download it to open it locally.</Empty>;
  else if (tooBig) body = <Empty title="Too large to preview">This file is {formatBytes(size)}; previews stop at {formatBytes(MAX_PREVIEW_BYTES)}. Download it instead.</Empty>;
  else if (text.isLoading) body = <Loading />;
  else if (text.isError) body = <ErrorState error={text.error} />;
  else if (kind === "json") body = <JsonView text={text.data!} />;
  else if (kind === "yaml") body = <YamlView text={text.data!} />;
  else if (kind === "csv" || kind === "tsv") body = <CsvView text={text.data!} delimiter={kind === "tsv" ? "\t" : ","} />;
  else body = <pre data-testid="text-preview">{text.data}</pre>;

  return (
    <>
      <div className="preview-head">
        <span className="path" title={path}>{path}</span>
        <span className="faint">{formatBytes(size)}</span>
        <a className="btn sm" href={url} download={path.split("/").pop()}><DownloadIcon size={14} /> Download</a>
      </div>
      <div className={`preview-body ${kind === "csv" || kind === "tsv" ? "flush" : ""}`} data-testid="artifact-preview" data-kind={kind}>{body}</div>
    </>
  );
}

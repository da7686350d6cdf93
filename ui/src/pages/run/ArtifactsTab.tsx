import { useMemo, useState } from "react";
import { useSearchParams } from "react-router";
import type { Run } from "../../api/types";
import { ChevronDown, ChevronRight, FileIcon, FolderIcon, ImageIcon } from "../../components/Icons";
import { Empty, ErrorState, Loading } from "../../components/States";
import { useArtifacts } from "../../data/tracking/hooks";
import { buildTree, previewKind, type TreeNode } from "../../lib/artifacts";
import { formatBytes } from "../../lib/format";
import { ArtifactPreview } from "./ArtifactPreview";

function TreeRows({ nodes, depth, selected, open, onOpen, onSelect }: {
  nodes: TreeNode[]; depth: number; selected: string | null; open: Set<string>;
  onOpen: (p: string) => void; onSelect: (n: TreeNode) => void;
}) {
  return (
    <>
      {nodes.map((n) => {
        const isOpen = open.has(n.path);
        return (
          <div key={n.path}>
            <button className={`tree-item ${selected === n.path ? "selected" : ""}`} style={{ paddingLeft: 6 + depth * 14 }}
              onClick={() => (n.isDir ? onOpen(n.path) : onSelect(n))} data-path={n.path} aria-expanded={n.isDir ? isOpen : undefined}>
              {n.isDir ? (isOpen ? <ChevronDown size={14} /> : <ChevronRight size={14} />) : <span style={{ width: 14 }} />}
              {n.isDir ? <FolderIcon size={15} /> : previewKind(n.name) === "image" ? <ImageIcon size={15} /> : <FileIcon size={15} />}
              <span className="ellipsis">{n.name}</span>
              {!n.isDir && <span className="size">{formatBytes(n.size)}</span>}
            </button>
            {n.isDir && isOpen && <TreeRows nodes={n.children} depth={depth + 1} selected={selected} open={open} onOpen={onOpen} onSelect={onSelect} />}
          </div>
        );
      })}
    </>
  );
}

export function ArtifactsTab({ run }: { run: Run }) {
  const listing = useArtifacts(run.id);
  const [sp, setSp] = useSearchParams();
  const selected = sp.get("path");
  const tree = useMemo(() => buildTree(listing.data?.files ?? []), [listing.data]);
  const byPath = useMemo(() => {
    const m = new Map<string, TreeNode>();
    const walk = (ns: TreeNode[]) => ns.forEach((n) => { m.set(n.path, n); walk(n.children); });
    walk(tree);
    return m;
  }, [tree]);
  // Folders on the way to the selected file start open; top-level folders too.
  const [toggled, setToggled] = useState<Set<string>>(new Set());
  const open = useMemo(() => {
    const s = new Set<string>(tree.filter((n) => n.isDir).map((n) => n.path));
    if (selected) selected.split("/").slice(0, -1).forEach((_, i, parts) => s.add(parts.slice(0, i + 1).join("/")));
    for (const p of toggled) (s.has(p) ? s.delete(p) : s.add(p));
    return s;
  }, [tree, selected, toggled]);

  const select = (n: TreeNode) => setSp((cur) => { const x = new URLSearchParams(cur); x.set("path", n.path); return x; }, { replace: true });
  const toggle = (p: string) => setToggled((t) => { const x = new Set(t); x.has(p) ? x.delete(p) : x.add(p); return x; });

  if (listing.isLoading) return <Loading label="Listing artifacts…" />;
  if (listing.isError) return <div className="card"><ErrorState error={listing.error} onRetry={() => listing.refetch()} /></div>;
  const files = listing.data!.files.filter((f) => !f.is_dir);
  if (files.length === 0) {
    return <div className="card"><Empty title="No artifacts">Files logged with <code>yard.log_artifact(path)</code>, <code>log_dict</code> or <code>log_figure</code> appear here.</Empty></div>;
  }
  const node = selected ? byPath.get(selected) : undefined;
  return (
    <section className="card artifacts" data-testid="artifacts">
      <nav className="artifact-tree" aria-label="Artifact files">
        <TreeRows nodes={tree} depth={0} selected={selected} open={open} onOpen={toggle} onSelect={select} />
      </nav>
      <div className="artifact-preview">
        {node && !node.isDir ? (
          <ArtifactPreview runId={run.id} path={node.path} size={node.size} />
        ) : selected ? (
          <Empty title="File not found">No artifact at <code>{selected}</code>.</Empty>
        ) : (
          <Empty title="Select a file to preview it">
            Text, JSON, YAML, CSV and images are shown here; anything else can be downloaded.
            {" "}{files.length} file{files.length === 1 ? "" : "s"}, {formatBytes(files.reduce((a, f) => a + (f.size ?? 0), 0))}.
          </Empty>
        )}
      </div>
    </section>
  );
}

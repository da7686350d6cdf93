/** How the artifacts browser previews a file, from its name. */

export type PreviewKind = "image" | "json" | "yaml" | "csv" | "tsv" | "text" | "binary";

const IMAGE = new Set(["png", "jpg", "jpeg", "gif", "svg", "webp", "bmp", "ico"]);
const TEXT = new Set([
  "txt", "log", "md", "py", "sh", "toml", "ini", "cfg", "conf", "xml", "html", "css", "js", "ts",
  "r", "sql", "out", "err", "rst", "ipynb", "dockerfile", "requirements", "mlmodel", "env", "properties",
]);
const TEXT_NAMES = new Set(["MLmodel", "Dockerfile", "LICENSE", "README", "Makefile", "requirements.txt"]);

export function extensionOf(path: string): string {
  const name = path.split("/").pop() ?? path;
  const i = name.lastIndexOf(".");
  return i > 0 ? name.slice(i + 1).toLowerCase() : "";
}

export function previewKind(path: string): PreviewKind {
  const name = path.split("/").pop() ?? path;
  const ext = extensionOf(path);
  if (IMAGE.has(ext)) return "image";
  if (ext === "json" || ext === "jsonl") return "json";
  if (ext === "yaml" || ext === "yml") return "yaml";
  if (ext === "csv") return "csv";
  if (ext === "tsv") return "tsv";
  if (TEXT.has(ext) || TEXT_NAMES.has(name)) return "text";
  return "binary";
}

/** Largest file the browser fetches for a text preview. */
export const MAX_PREVIEW_BYTES = 2 * 1024 * 1024;

/** A tree of listing entries, grouped by folder, folders first then files by name. */
export interface TreeNode {
  name: string;
  path: string;
  isDir: boolean;
  size?: number | null;
  children: TreeNode[];
}

export function buildTree(entries: { path: string; is_dir: boolean; size?: number | null }[]): TreeNode[] {
  const root: TreeNode = { name: "", path: "", isDir: true, children: [] };
  const byPath = new Map<string, TreeNode>([["", root]]);
  const ensureDir = (path: string): TreeNode => {
    const found = byPath.get(path);
    if (found) return found;
    const i = path.lastIndexOf("/");
    const parent = ensureDir(i < 0 ? "" : path.slice(0, i));
    const node: TreeNode = { name: path.slice(i + 1), path, isDir: true, children: [] };
    parent.children.push(node);
    byPath.set(path, node);
    return node;
  };
  for (const e of entries) {
    const path = e.path.replace(/^\/+|\/+$/g, "");
    if (!path) continue;
    if (e.is_dir) {
      ensureDir(path);
      continue;
    }
    const i = path.lastIndexOf("/");
    const parent = ensureDir(i < 0 ? "" : path.slice(0, i));
    const node: TreeNode = { name: path.slice(i + 1), path, isDir: false, size: e.size, children: [] };
    parent.children.push(node);
    byPath.set(path, node);
  }
  const sort = (n: TreeNode) => {
    n.children.sort((a, b) => Number(b.isDir) - Number(a.isDir) || a.name.localeCompare(b.name));
    n.children.forEach(sort);
  };
  sort(root);
  return root.children;
}

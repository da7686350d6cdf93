/**
 * Shapes of the data routes (`/api/v1/data...`, whose responses have no OpenAPI schema yet:
 * these mirror `modelyard.data.schemas`) and the pure logic of the Data pages.
 */

export interface DataVersion {
  name: string;
  version: string;
  ref: string;
  type: string;
  storage: string;
  source: string | null;
  content_hash: string;
  size_bytes: number;
  file_count: number;
  created_at: string;
  description: string | null;
  tags: Record<string, string>;
  archived: boolean;
  table: { format: string; delimiter: string; header: boolean; encoding: string; query: string | null; datastore: string | null } | null;
  columns: unknown;
  row_count: number | null;
}

export interface DataFile {
  path: string;
  is_dir: boolean;
  size: number | null;
}

export interface ColumnProfile {
  name: string;
  type: string;
  physical_type: string;
  count: number;
  missing_count: number;
  missing_share: number;
  distinct_count: number;
  distinct_exact: boolean;
  min: number | string | null;
  max: number | string | null;
  mean: number | null;
  std: number | null;
  histogram: { lower: number; upper: number; count: number }[] | null;
  top_values: { value: string; count: number }[] | null;
}

export interface DataProfile {
  row_count: number;
  columns: ColumnProfile[];
  computed_at: string;
  seconds: number;
}

/** The first rows of a table version (`GET .../preview`), read as load_table reads them. */
export interface TablePreview {
  columns: { name: string; type: string }[];
  rows: unknown[][];
  truncated: boolean;
}

/** A preview cell as text: empty for a missing value, JSON for lists and structs. */
export function cellText(v: unknown): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

export interface LineageEntry {
  name: string;
  version: string;
  run_id: string;
  direction: string;
  created_at: string;
}

const TEXT_TABLE = /\.(csv|tsv|txt)$/i;

/** The file to preview as a table: the first CSV/TSV (by path), else null. */
export function previewFile(files: DataFile[]): DataFile | null {
  const candidates = files.filter((f) => !f.is_dir && TEXT_TABLE.test(f.path) && !/(^|\/)MLTable$/.test(f.path));
  candidates.sort((a, b) => a.path.localeCompare(b.path));
  return candidates[0] ?? null;
}

/** The delimiter of a preview: the table spec's, else tab for .tsv, else comma. */
export function delimiterFor(path: string, table: DataVersion["table"]): string {
  if (table?.delimiter) return table.delimiter;
  return /\.tsv$/i.test(path) ? "\t" : ",";
}

/** Bar heights (0-1) of a histogram, relative to its tallest bin. */
export function barHeights(counts: number[]): number[] {
  const top = Math.max(0, ...counts);
  return counts.map((c) => (top > 0 ? c / top : 0));
}

/** Newest version first (numeric versions compared as numbers). */
export function sortVersions<T extends { version: string }>(versions: T[]): T[] {
  const key = (v: string) => (/^\d+$/.test(v) ? Number(v) : NaN);
  return [...versions].sort((a, b) => {
    const x = key(a.version), y = key(b.version);
    if (!Number.isNaN(x) && !Number.isNaN(y)) return y - x;
    return b.version.localeCompare(a.version);
  });
}

/** URL of one file of a data version; each path segment encoded, the slashes kept. */
export function dataFileUrl(name: string, version: string, path: string): string {
  const enc = path.split("/").map(encodeURIComponent).join("/");
  return `/api/v1/data/${encodeURIComponent(name)}/versions/${encodeURIComponent(version)}/files/${enc}`;
}

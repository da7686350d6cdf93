/**
 * The state of a runs table, held in the URL so a link can be shared:
 * `?q=<filter>&sort=<column>&dir=asc|desc&cols=<col,col>&sel=<id,id>`.
 *
 * A column is `attributes.<name>`, `metrics.<key>`, `params.<key>` or `tags.<key>`.
 */

export type SortDir = "asc" | "desc";
export type ColumnGroup = "attributes" | "metrics" | "params" | "tags";

export interface RunsQuery {
  filter: string;
  sort: string | null;
  dir: SortDir;
  columns: string[];
  selected: string[];
}

export const DEFAULT_SORT = "attributes.start_time";

export function parseRunsQuery(sp: URLSearchParams): RunsQuery {
  const dir = sp.get("dir") === "asc" ? "asc" : "desc";
  return {
    filter: sp.get("q") ?? "",
    sort: sp.get("sort") || null,
    dir,
    columns: splitList(sp.get("cols")),
    selected: splitList(sp.get("sel")),
  };
}

/** Writes the query into a copy of `base` (other keys kept); defaults are left out. */
export function writeRunsQuery(q: Partial<RunsQuery>, base: URLSearchParams = new URLSearchParams()): URLSearchParams {
  const sp = new URLSearchParams(base);
  const set = (k: string, v: string | null | undefined) => (v ? sp.set(k, v) : sp.delete(k));
  if ("filter" in q) set("q", q.filter?.trim());
  if ("sort" in q) set("sort", q.sort);
  if ("dir" in q) set("dir", q.dir === "asc" ? "asc" : null);
  if ("columns" in q) set("cols", joinList(q.columns ?? []));
  if ("selected" in q) set("sel", joinList(q.selected ?? []));
  return sp;
}

/** Splits a comma list; a key containing a comma is written with %2C by joinList. */
function splitList(v: string | null): string[] {
  if (!v) return [];
  return v
    .split(",")
    .map((s) => decodeURIComponent(s))
    .filter(Boolean);
}

function joinList(items: string[]): string {
  return items.map((s) => s.replace(/%/g, "%25").replace(/,/g, "%2C")).join(",");
}

/** Splits "metrics.val.loss" into its group and key ("metrics", "val.loss"). */
export function splitColumn(col: string): { group: ColumnGroup; key: string } {
  const i = col.indexOf(".");
  const g = col.slice(0, i);
  if (i > 0 && (g === "metrics" || g === "params" || g === "tags" || g === "attributes")) {
    return { group: g, key: col.slice(i + 1) };
  }
  return { group: "attributes", key: col };
}

/** A key as the filter language wants it: bare when it is an identifier, else in backticks. */
export function quoteKey(group: ColumnGroup, key: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? `${group}.${key}` : `${group}.\`${key}\``;
}

/** The server's order_by list for a sort column and direction. */
export function toOrderBy(sort: string | null, dir: SortDir): string[] {
  const col = sort ?? DEFAULT_SORT;
  const { group, key } = splitColumn(col);
  return [`${quoteKey(group, key)} ${dir.toUpperCase()}`];
}

/** Next sort state after a click on a header: new column -> desc for metrics, asc otherwise; same column -> flip. */
export function nextSort(current: { sort: string | null; dir: SortDir }, col: string): { sort: string; dir: SortDir } {
  const cur = current.sort ?? DEFAULT_SORT;
  if (cur === col) return { sort: col, dir: current.dir === "asc" ? "desc" : "asc" };
  const { group } = splitColumn(col);
  return { sort: col, dir: group === "metrics" || col === DEFAULT_SORT ? "desc" : "asc" };
}

/** Adds or removes an id, keeping the order of first selection. */
export function toggleSelected(selected: string[], id: string): string[] {
  return selected.includes(id) ? selected.filter((s) => s !== id) : [...selected, id];
}

/**
 * Selects the range between the anchor and `id` (shift-click), in table order,
 * added to the existing selection.
 */
export function selectRange(selected: string[], order: string[], anchor: string | null, id: string): string[] {
  const a = anchor ? order.indexOf(anchor) : -1;
  const b = order.indexOf(id);
  if (a < 0 || b < 0) return toggleSelected(selected, id);
  const [lo, hi] = a < b ? [a, b] : [b, a];
  const out = [...selected];
  for (const rid of order.slice(lo, hi + 1)) if (!out.includes(rid)) out.push(rid);
  return out;
}

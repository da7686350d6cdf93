/** TanStack Query hooks of the data domain (data assets, their files, profile, lineage). */
import { useQuery } from "@tanstack/react-query";
import { api, ApiError, unwrap } from "../../api/client";
import { dataFileUrl, type DataFile, type DataProfile, type DataVersion, type LineageEntry, type TablePreview } from "../../lib/dataAssets";
import { parseCsv } from "../../lib/csv";

export const dataKeys = {
  list: ["data", "list"] as const,
  versions: (name: string) => ["data", name, "versions"] as const,
  files: (name: string, version: string) => ["data", name, version, "files"] as const,
  profile: (name: string, version: string) => ["data", name, version, "profile"] as const,
  lineage: (name: string, version: string) => ["data", name, version, "lineage"] as const,
  preview: (name: string, version: string, path: string) => ["data", name, version, "preview", path] as const,
  tablePreview: (name: string, version: string, rows: number) => ["data", name, version, "table-preview", rows] as const,
};

export function useDataAssets() {
  return useQuery({
    queryKey: dataKeys.list,
    queryFn: async () => ((await unwrap(api.GET("/api/v1/data"))) as unknown as { data: DataVersion[] }).data,
  });
}

export function useDataVersions(name: string) {
  return useQuery({
    queryKey: dataKeys.versions(name),
    queryFn: async () => ((await unwrap(api.GET("/api/v1/data/{name}/versions", { params: { path: { name } } }))) as unknown as { data: DataVersion[] }).data,
  });
}

export function useDataFiles(name: string, version: string | undefined) {
  return useQuery({
    queryKey: dataKeys.files(name, version ?? ""),
    enabled: !!version,
    queryFn: async () => ((await unwrap(api.GET("/api/v1/data/{name}/versions/{version}/files", { params: { path: { name, version: version! } } }))) as unknown as { files: DataFile[] }).files,
  });
}

export function useDataProfile(name: string, version: string | undefined, enabled: boolean) {
  return useQuery({
    queryKey: dataKeys.profile(name, version ?? ""),
    enabled: enabled && !!version,
    staleTime: Infinity, // a version's content never changes
    queryFn: async () => (await unwrap(api.GET("/api/v1/data/{name}/versions/{version}/profile", { params: { path: { name, version: version! } } }))) as unknown as DataProfile,
  });
}

/** The first ``rows`` rows of a table version, read on the server (CSV, Parquet, JSON lines, SQL). */
export function useTablePreview(name: string, version: string | undefined, rows: number, enabled: boolean) {
  return useQuery({
    queryKey: dataKeys.tablePreview(name, version ?? "", rows),
    enabled: enabled && !!version,
    staleTime: Infinity, // a version's content never changes
    queryFn: async () => (await unwrap(api.GET("/api/v1/data/{name}/versions/{version}/preview", { params: { path: { name, version: version! }, query: { rows } } }))) as unknown as TablePreview,
  });
}

export function useDataLineage(name: string, version: string | undefined) {
  return useQuery({
    queryKey: dataKeys.lineage(name, version ?? ""),
    enabled: !!version,
    queryFn: async () => ((await unwrap(api.GET("/api/v1/data/lineage", { params: { query: { name, version } } }))) as unknown as { lineage: LineageEntry[] }).lineage,
  });
}

const PREVIEW_BYTES = 256 * 1024;

/** The first rows of a CSV/TSV file of a version (reads at most 256 KB of it). */
export function useDataPreview(name: string, version: string | undefined, path: string | undefined, delimiter: string) {
  return useQuery({
    queryKey: dataKeys.preview(name, version ?? "", path ?? ""),
    enabled: !!version && !!path,
    staleTime: Infinity,
    queryFn: async ({ signal }) => {
      const resp = await fetch(dataFileUrl(name, version!, path!), { signal });
      if (!resp.ok) throw new ApiError(resp.status, "ERROR", `Cannot read ${path}: HTTP ${resp.status}`);
      const reader = resp.body!.getReader();
      const parts: Uint8Array[] = [];
      let n = 0;
      while (n < PREVIEW_BYTES) {
        const { done, value } = await reader.read();
        if (done) break;
        parts.push(value);
        n += value.byteLength;
      }
      await reader.cancel().catch(() => {});
      const bytes = new Uint8Array(n);
      let at = 0;
      for (const p of parts) { bytes.set(p, at); at += p.byteLength; }
      let text = new TextDecoder().decode(bytes);
      const truncated = n >= PREVIEW_BYTES;
      if (truncated) text = text.slice(0, text.lastIndexOf("\n") + 1);
      return { rows: parseCsv(text, { delimiter, maxRows: 101 }), truncated };
    },
  });
}

/**
 * Shapes of the models and endpoints routes (written by hand: those routes have no response
 * schemas in the OpenAPI document; they mirror `modelyard.models.schemas` and
 * `modelyard.endpoints.schemas`) and the pure logic of their pages.
 */

export interface RegisteredModel {
  name: string;
  description: string | null;
  tags: Record<string, string>;
  aliases: Record<string, number>;
  latest_version: number | null;
  created_at: string;
  updated_at: string;
}

export interface ModelVersion {
  name: string;
  version: number;
  source: string;
  storage: string;
  run_id: string | null;
  flavors: string[];
  signature: { inputs?: string; outputs?: string } | null;
  description: string | null;
  tags: Record<string, string>;
  aliases: string[];
  archived: boolean;
  uri: string;
  created_at: string;
  updated_at: string;
}

export interface ModelFile { path: string; is_dir: boolean; size: number | null }

export interface Endpoint {
  name: string;
  kind: string;
  auth_mode: string;
  keys: string[];
  traffic: Record<string, number>;
  mirror_traffic: Record<string, number>;
  description: string | null;
  tags: Record<string, string>;
  scoring_uri: string;
  created_at: string;
  updated_at: string;
}

export interface Deployment {
  endpoint: string;
  name: string;
  model: string;
  code: string | null;
  scoring_script: string | null;
  instance_count: number;
  settings: Record<string, unknown>;
  state: string;
  error: string | null;
  description: string | null;
  tags: Record<string, string>;
  created_at: string;
  updated_at: string;
}

export interface EndpointMetrics {
  endpoint: string;
  requests: number;
  errors: number;
  mirrored: number;
  latency_ms: { p50: number | null; p90: number | null; p99: number | null };
}

export interface RequestLog {
  endpoint: string;
  deployment: string;
  status_code: number;
  latency_ms: number;
  request: unknown;
  response: unknown;
  created_at: string;
}

/** One column (or tensor) of a signature, for a table. */
export interface SignatureColumn { name: string; type: string; required: boolean }

function parseSide(raw: string | undefined): SignatureColumn[] {
  if (!raw) return [];
  let specs: unknown;
  try { specs = JSON.parse(raw); } catch { return []; }
  if (!Array.isArray(specs)) return [];
  return specs.map((s: Record<string, unknown>, i) => {
    const tensor = s["tensor-spec"] as { dtype?: string; shape?: number[] } | undefined;
    const type = s.type === "tensor" && tensor ? `tensor<${tensor.dtype}>[${(tensor.shape ?? []).join(", ")}]` : String(s.type ?? "?");
    return { name: typeof s.name === "string" ? s.name : `#${i}`, type, required: s.required !== false };
  });
}

/** The inputs and outputs of a version's signature (MLflow form: each side a JSON string). */
export function parseSignature(sig: ModelVersion["signature"]): { inputs: SignatureColumn[]; outputs: SignatureColumn[] } {
  return { inputs: parseSide(sig?.inputs), outputs: parseSide(sig?.outputs) };
}

const SAMPLE: Record<string, unknown> = {
  double: 0.0, float: 0.0, long: 0, integer: 0, boolean: false, string: "", binary: "", datetime: "2024-01-01T00:00:00",
};

/**
 * The body a test console starts with: the saved input example (pandas "split" form) as
 * `{"dataframe_split": ...}`; else one row of placeholder values from the signature; else
 * `{"inputs": []}`.
 */
export function exampleRequest(example: unknown, inputs: SignatureColumn[]): string {
  if (example && typeof example === "object") {
    const e = example as Record<string, unknown>;
    if (Array.isArray(e.data)) {
      const rows = (e.data as unknown[]).slice(0, 3);
      return JSON.stringify({ dataframe_split: { ...(e.columns ? { columns: e.columns } : {}), data: rows } }, null, 2);
    }
    if (["dataframe_split", "dataframe_records", "inputs", "instances", "input_data"].some((k) => k in e)) {
      return JSON.stringify(e, null, 2);
    }
    return JSON.stringify({ inputs: e }, null, 2);
  }
  if (Array.isArray(example)) return JSON.stringify({ inputs: example.slice(0, 3) }, null, 2);
  const named = inputs.filter((c) => !c.name.startsWith("#"));
  if (named.length > 0) {
    return JSON.stringify({ dataframe_split: { columns: named.map((c) => c.name), data: [named.map((c) => SAMPLE[c.type] ?? null)] } }, null, 2);
  }
  return JSON.stringify({ inputs: [] }, null, 2);
}

/** `models:/name/3` or `models:/name@alias` -> {name, ref}; null for other URIs. */
export function parseModelUri(uri: string): { name: string; ref: string } | null {
  const m = /^models:\/([^/@]+)(?:\/(\w+)|@([\w-]+))?$/.exec(uri);
  if (!m) return null;
  return { name: m[1], ref: m[2] ?? (m[3] ? `@${m[3]}` : "latest") };
}

/** Traffic shares (percent) of every deployment, those absent from the split at 0. */
export function trafficRows(traffic: Record<string, number>, deployments: string[]): { name: string; percent: number }[] {
  const names = [...new Set([...deployments, ...Object.keys(traffic)])];
  return names.map((name) => ({ name, percent: traffic[name] ?? 0 })).sort((a, b) => b.percent - a.percent || a.name.localeCompare(b.name));
}

/** Validates the console's JSON; returns an error message or null. */
export function jsonError(text: string): string | null {
  try { JSON.parse(text); return null; } catch (e) { return e instanceof Error ? e.message : String(e); }
}

export interface RequestSeries {
  t: number[]; latency: number[]; perMinute: number[]; errorsPerMinute: number[];
  /** every logged request: its time (s) and latency (ms), oldest first */
  each: { t: number[]; latency: number[] };
}

/**
 * Per-minute series from the logged requests of an endpoint: mean latency (ms), requests
 * and errors (status >= 400). `t` in seconds (uPlot's time unit), oldest first.
 */
export function bucketRequests(logs: RequestLog[], bucketSeconds = 60): RequestSeries {
  const buckets = new Map<number, { n: number; errors: number; latency: number }>();
  for (const r of logs) {
    const at = Date.parse(r.created_at);
    if (Number.isNaN(at)) continue;
    const key = Math.floor(at / 1000 / bucketSeconds) * bucketSeconds;
    const b = buckets.get(key) ?? { n: 0, errors: 0, latency: 0 };
    b.n += 1;
    b.latency += r.latency_ms;
    if (r.status_code >= 400) b.errors += 1;
    buckets.set(key, b);
  }
  const keys = [...buckets.keys()].sort((a, b) => a - b);
  const each = logs.map((r) => ({ t: Date.parse(r.created_at) / 1000, latency: r.latency_ms }))
    .filter((p) => !Number.isNaN(p.t)).sort((a, b) => a.t - b.t);
  return {
    each: { t: each.map((p) => p.t), latency: each.map((p) => p.latency) },
    t: keys,
    latency: keys.map((k) => buckets.get(k)!.latency / buckets.get(k)!.n),
    perMinute: keys.map((k) => (buckets.get(k)!.n * 60) / bucketSeconds),
    errorsPerMinute: keys.map((k) => (buckets.get(k)!.errors * 60) / bucketSeconds),
  };
}

/** URL of a file of a model version; each path segment encoded. */
export function modelFileUrl(name: string, version: number | string, path: string): string {
  const enc = path.split("/").map(encodeURIComponent).join("/");
  return `/api/v1/models/${encodeURIComponent(name)}/versions/${encodeURIComponent(String(version))}/files/${enc}`;
}

export interface MetricsSnapshot { at: number; requests: number; errors: number; p50: number | null; p90: number | null }

/**
 * Adds a snapshot of the metrics route (cumulative counters since the server started) to
 * the ones kept by the page, keeping the last `keep`; a counter that went down (server
 * restart) starts the history again.
 */
export function addSnapshot(history: MetricsSnapshot[], m: EndpointMetrics, at: number, keep = 360): MetricsSnapshot[] {
  const snap = { at, requests: m.requests, errors: m.errors, p50: m.latency_ms.p50, p90: m.latency_ms.p90 };
  const last = history[history.length - 1];
  if (last && (snap.requests < last.requests || snap.errors < last.errors)) return [snap];
  if (last && last.at === at) return history;
  return [...history, snap].slice(-keep);
}

/** Rates between consecutive snapshots: requests/s and errors/s, with the latency quantiles. */
export function snapshotSeries(history: MetricsSnapshot[]): { t: number[]; rps: number[]; eps: number[]; p50: (number | null)[]; p90: (number | null)[] } {
  const out = { t: [] as number[], rps: [] as number[], eps: [] as number[], p50: [] as (number | null)[], p90: [] as (number | null)[] };
  for (let i = 1; i < history.length; i++) {
    const a = history[i - 1], b = history[i];
    const dt = (b.at - a.at) / 1000;
    if (dt <= 0) continue;
    out.t.push(b.at / 1000);
    out.rps.push((b.requests - a.requests) / dt);
    out.eps.push((b.errors - a.errors) / dt);
    out.p50.push(b.p50);
    out.p90.push(b.p90);
  }
  return out;
}

/** One word for an endpoint from its deployments: Failed > Creating > Ready; none: "No deployments". */
export function endpointState(deployments: { state: string }[]): string {
  if (deployments.length === 0) return "No deployments";
  if (deployments.some((d) => d.state === "Failed")) return "Failed";
  if (deployments.some((d) => d.state === "Creating")) return "Creating";
  return "Ready";
}

/** TanStack Query hooks of the models registry and the online endpoints. */
import { useMutation, useQuery } from "@tanstack/react-query";
import { api, ApiError, toApiError, unwrap } from "../../api/client";
import type {
  Deployment, Endpoint, EndpointMetrics, ModelFile, ModelVersion, RegisteredModel, RequestLog,
} from "../../lib/models";
import type { LineageEntry } from "../../lib/dataAssets";
import { modelFileUrl } from "../../lib/models";

const enc = encodeURIComponent;

/** GET a JSON route under /api/v1 (these routes have no typed responses in the OpenAPI document). */
async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  let resp: Response;
  try {
    resp = await fetch(`/api/v1${path}`, { signal, headers: { accept: "application/json" } });
  } catch (e) {
    if (e instanceof DOMException && e.name === "AbortError") throw e;
    throw new ApiError(0, "NETWORK", "Cannot reach the Modelyard server. Is it running?");
  }
  const body = await resp.json().catch(() => undefined);
  if (!resp.ok) throw toApiError(resp.status, body);
  return body as T;
}

export const modelKeys = {
  list: ["models", "list"] as const,
  versions: (name: string) => ["models", name, "versions"] as const,
  version: (name: string, v: string) => ["models", name, "v", v] as const,
  files: (name: string, v: string) => ["models", name, "v", v, "files"] as const,
  example: (name: string, v: string) => ["models", name, "v", v, "example"] as const,
};

export const endpointKeys = {
  list: ["endpoints", "list"] as const,
  deploymentsAll: ["endpoints", "deployments"] as const,
  one: (name: string) => ["endpoints", name] as const,
  deployments: (name: string) => ["endpoints", name, "deployments"] as const,
  metrics: (name: string) => ["endpoints", name, "metrics"] as const,
  requests: (name: string) => ["endpoints", name, "requests"] as const,
};

export function useModels() {
  return useQuery({ queryKey: modelKeys.list, queryFn: async ({ signal }) => (await getJson<{ models: RegisteredModel[] }>("/models", signal)).models });
}

export function useModelVersions(name: string) {
  return useQuery({
    queryKey: modelKeys.versions(name),
    queryFn: async ({ signal }) => (await getJson<{ versions: ModelVersion[] }>(`/models/${enc(name)}/versions?include_archived=true`, signal)).versions,
  });
}

export function useModelVersion(name: string, version: string) {
  return useQuery({
    queryKey: modelKeys.version(name, version),
    enabled: !!name && !!version,
    queryFn: ({ signal }) => getJson<ModelVersion>(`/models/${enc(name)}/versions/${enc(version)}`, signal),
  });
}

export function useModelFiles(name: string, version: string) {
  return useQuery({
    queryKey: modelKeys.files(name, version),
    enabled: !!name && !!version,
    queryFn: async ({ signal }) => (await getJson<{ files: ModelFile[] }>(`/models/${enc(name)}/versions/${enc(version)}/files`, signal)).files,
  });
}

/** The saved input example of a version (`input_example.json`), or null when it has none. */
export function useInputExample(name: string | undefined, version: string | undefined, hasFile: boolean | undefined) {
  return useQuery({
    queryKey: modelKeys.example(name ?? "", version ?? ""),
    enabled: !!name && !!version && hasFile !== undefined,
    staleTime: Infinity,
    queryFn: async ({ signal }) => {
      if (!hasFile) return null;
      const resp = await fetch(modelFileUrl(name!, version!, "input_example.json"), { signal });
      if (!resp.ok) return null;
      return (await resp.json().catch(() => null)) as unknown;
    },
  });
}

export function useRunDataInputs(runId: string | null | undefined) {
  return useQuery({
    queryKey: ["data", "lineage", "run", runId ?? ""],
    enabled: !!runId,
    queryFn: async ({ signal }) => (await getJson<{ lineage: LineageEntry[] }>(`/data/lineage?run_id=${enc(runId!)}`, signal)).lineage
      .filter((e) => e.direction === "input"),
  });
}

const ACTIVE = new Set(["Creating"]);

export function useEndpoints() {
  return useQuery({ queryKey: endpointKeys.list, queryFn: async ({ signal }) => (await getJson<{ endpoints: Endpoint[] }>("/endpoints", signal)).endpoints });
}

export function useAllDeployments() {
  return useQuery({
    queryKey: endpointKeys.deploymentsAll,
    queryFn: async ({ signal }) => (await getJson<{ deployments: Deployment[] }>("/deployments", signal)).deployments,
    refetchInterval: (q) => ((q.state.data ?? []).some((d) => ACTIVE.has(d.state)) ? 2000 : 15000),
  });
}

export function useEndpoint(name: string) {
  return useQuery({ queryKey: endpointKeys.one(name), queryFn: ({ signal }) => getJson<Endpoint>(`/endpoints/${enc(name)}`, signal) });
}

export function useDeployments(name: string) {
  return useQuery({
    queryKey: endpointKeys.deployments(name),
    queryFn: async ({ signal }) => (await getJson<{ deployments: Deployment[] }>(`/endpoints/${enc(name)}/deployments`, signal)).deployments,
    refetchInterval: (q) => ((q.state.data ?? []).some((d) => ACTIVE.has(d.state)) ? 2000 : 15000),
  });
}

export function useEndpointMetrics(name: string) {
  return useQuery({
    queryKey: endpointKeys.metrics(name),
    queryFn: ({ signal }) => getJson<EndpointMetrics>(`/endpoints/${enc(name)}/metrics`, signal),
    refetchInterval: 5000,
  });
}

export function useEndpointRequests(name: string) {
  return useQuery({
    queryKey: endpointKeys.requests(name),
    queryFn: async ({ signal }) => (await getJson<{ requests: RequestLog[] }>(`/endpoints/${enc(name)}/requests?limit=1000`, signal)).requests,
    refetchInterval: 5000,
  });
}

export interface ScoreResult { status: number; deployment: string | null; latencyMs: number; body: unknown; text: string }

/** The bearer credential for an endpoint: its first key, a fresh token for an
 * `aml_token` endpoint, or none. */
export async function endpointCredential(name: string, authMode: string, keys: readonly string[]): Promise<string | null> {
  if (authMode === "key") return keys[0] ?? null;
  if (authMode !== "aml_token") return null;
  const token = await unwrap(api.POST("/api/v1/endpoints/{name}/token", { params: { path: { name } } }));
  return (token as { accessToken: string }).accessToken;
}

/** Sends a request through the scoring gateway with the endpoint's key or a token. */
export function useScore(name: string) {
  return useMutation({
    mutationFn: async ({ body, authMode, keys, deployment }: { body: string; authMode: string; keys: readonly string[]; deployment?: string }): Promise<ScoreResult> => {
      const headers: Record<string, string> = { "content-type": "application/json" };
      const credential = await endpointCredential(name, authMode, keys);
      if (credential) headers.authorization = `Bearer ${credential}`;
      if (deployment) headers["x-modelyard-deployment"] = deployment;
      const started = performance.now();
      let resp: Response;
      try {
        resp = await fetch(`/endpoints/${enc(name)}/score`, { method: "POST", headers, body });
      } catch {
        throw new ApiError(0, "NETWORK", "Cannot reach the Modelyard server. Is it running?");
      }
      const text = await resp.text();
      const latencyMs = performance.now() - started;
      let parsed: unknown = text;
      try { parsed = JSON.parse(text); } catch { /* not JSON */ }
      return { status: resp.status, deployment: resp.headers.get("x-modelyard-deployment"), latencyMs, body: parsed, text };
    },
  });
}

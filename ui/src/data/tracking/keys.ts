/** Query keys of the tracking domain, in one place so invalidation stays consistent. */
export const trackingKeys = {
  workspace: ["workspace"] as const,
  experiments: (view: string) => ["experiments", view] as const,
  experiment: (id: string) => ["experiment", id] as const,
  runsSearch: (body: object) => ["runs", "search", body] as const,
  run: (id: string) => ["run", id] as const,
  metricHistory: (runId: string, key: string, maxPoints: number, range?: readonly [number, number] | null) =>
    ["run", runId, "metric", key, maxPoints, range ?? null] as const,
  artifacts: (runId: string) => ["run", runId, "artifacts"] as const,
  artifactText: (runId: string, path: string) => ["run", runId, "artifact", path] as const,
};

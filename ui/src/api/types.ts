/**
 * Names for the API's shapes, derived from the operations (whose ids are stable),
 * so they survive renames of the server's schema classes.
 */
import type { operations } from "./schema";

type Ok<Op extends keyof operations> = operations[Op]["responses"] extends { 200: infer R }
  ? R extends { content: { "application/json": infer T } }
    ? T
    : never
  : never;

export type Workspace = Ok<"workspace_get">;
export type ExperimentPage = Ok<"experiments_list">;
export type Experiment = Ok<"experiments_get">;
export type Run = Ok<"runs_get">;
export type RunPage = Ok<"runs_search">;
export type RunStatus = Run["status"];
export type MetricSummary = Run["metrics"][string];
export type RunSource = Run["source"];
export type MetricHistory = Ok<"runs_metric_history">;
export type ArtifactListing = Ok<"artifacts_list_run">;
export type ArtifactInfo = ArtifactListing["files"][number];

/** Floats may come as "NaN", "Infinity" or "-Infinity" strings (JSON has no such numbers). */
export function toFloat(v: number | string | null | undefined): number {
  if (typeof v === "number") return v;
  if (v == null) return NaN;
  if (v === "Infinity") return Infinity;
  if (v === "-Infinity") return -Infinity;
  return Number(v);
}

export type Job = Ok<"jobs_get">;
export type JobList = Ok<"jobs_list">;

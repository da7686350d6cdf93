/**
 * Data hooks of the tracking domain: every page reads experiments, runs, metric
 * histories and artifacts through these, over the generated REST client.
 */
import { keepPreviousData, useInfiniteQuery, useQueries, useQuery } from "@tanstack/react-query";
import { api, ApiError, artifactUrl, toApiError, unwrap } from "../../api/client";
import type { Experiment, MetricHistory, Run, RunPage } from "../../api/types";
import { MAX_PREVIEW_BYTES } from "../../lib/artifacts";
import { trackingKeys } from "./keys";

/** Runs still changing are polled; finished ones are not. */
const LIVE_MS = 5000;
const isLive = (r?: Run) => r?.status === "Running" || r?.status === "Queued";

export function useWorkspace() {
  return useQuery({
    queryKey: trackingKeys.workspace,
    queryFn: () => unwrap(api.GET("/api/v1/workspace")),
    refetchInterval: 15000,
  });
}

/** Every experiment (all pages), active ones by default. */
export function useExperiments(view: "active" | "deleted" | "all" = "active") {
  return useQuery({
    queryKey: trackingKeys.experiments(view),
    queryFn: async () => {
      const all: Experiment[] = [];
      let token: string | undefined;
      for (let i = 0; i < 100; i++) {
        const page = await unwrap(
          api.GET("/api/v1/experiments", {
            params: { query: { include_deleted: view !== "active", max_results: 1000, page_token: token } },
          }),
        );
        all.push(...page.experiments.filter((e) => view === "all" || e.lifecycle_stage === view));
        token = page.next_page_token ?? undefined;
        if (!token) break;
      }
      return all;
    },
  });
}

export function useExperiment(id: string | undefined) {
  return useQuery({
    queryKey: trackingKeys.experiment(id ?? ""),
    queryFn: () => unwrap(api.GET("/api/v1/experiments/{experiment_id}", { params: { path: { experiment_id: id! } } })),
    enabled: !!id,
  });
}

export interface RunsSearch {
  experiment_ids?: string[];
  filter?: string;
  order_by?: string[];
  max_results?: number;
}

export function searchRuns(body: RunsSearch & { page_token?: string | null }): Promise<RunPage> {
  return unwrap(api.POST("/api/v1/runs/search", { body }));
}

/** One page of runs (for short lists such as "recent runs" or "child runs"). */
export function useRunsPage(body: RunsSearch, opts: { enabled?: boolean; live?: boolean } = {}) {
  return useQuery({
    queryKey: trackingKeys.runsSearch(body),
    queryFn: () => searchRuns(body),
    enabled: opts.enabled ?? true,
    refetchInterval: opts.live ? LIVE_MS * 2 : false,
  });
}

/**
 * Pages of runs through next_page_token, for the runs table. The first page asks for
 * `firstPage` runs (a screenful: less to send, parse and render before the table shows);
 * the next ones for `body.max_results` (page tokens are offsets, so sizes may differ).
 */
export function useRunsInfinite(body: RunsSearch, firstPage?: number) {
  return useInfiniteQuery({
    queryKey: [...trackingKeys.runsSearch(body), "infinite", firstPage ?? null],
    queryFn: ({ pageParam }) => searchRuns({
      ...body,
      ...(pageParam == null && firstPage ? { max_results: firstPage } : {}),
      page_token: pageParam,
    }),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_page_token || null,
    placeholderData: keepPreviousData,
    retry: (n, e) => !(e instanceof ApiError && e.status < 500) && n < 2,
  });
}

export function fetchRun(id: string): Promise<Run> {
  return unwrap(api.GET("/api/v1/runs/{run_id}", { params: { path: { run_id: id } } }));
}

export function useRun(id: string | undefined) {
  return useQuery({
    queryKey: trackingKeys.run(id ?? ""),
    queryFn: () => fetchRun(id!),
    enabled: !!id,
    refetchInterval: (q) => (isLive(q.state.data) ? LIVE_MS : false),
  });
}

/** Several runs by id, in the given order. */
export function useRunsById(ids: string[]) {
  return useQueries({
    queries: ids.map((id) => ({ queryKey: trackingKeys.run(id), queryFn: () => fetchRun(id) })),
    combine: (results) => ({
      runs: results.map((r) => r.data).filter((r): r is Run => !!r),
      isLoading: results.some((r) => r.isLoading),
      error: results.find((r) => r.error)?.error ?? null,
    }),
  });
}

/** The query of a history request: min_step/max_step (inclusive) for a zoomed chart. */
export function historyQuery(maxPoints: number, range?: readonly [number, number] | null) {
  return range ? { max_points: maxPoints, min_step: range[0], max_step: range[1] } : { max_points: maxPoints };
}

export function fetchMetricHistory(
  runId: string,
  key: string,
  maxPoints: number,
  range?: readonly [number, number] | null,
): Promise<MetricHistory> {
  const query = historyQuery(maxPoints, range);
  return unwrap(
    api.GET("/api/v1/runs/{run_id}/metrics/{key}/history", {
      params: { path: { run_id: runId, key }, query },
    }),
  );
}

/**
 * Histories of several (run, key) pairs at once; the server downsamples to maxPoints. A
 * pair with a step `range` gets only those steps (a zoomed chart); for a pair that sets
 * `range` (null: all steps), the previous data stays on screen while a new range loads.
 */
export function useMetricHistories(
  pairs: { runId: string; key: string; range?: readonly [number, number] | null }[],
  maxPoints: number,
  live = false,
) {
  return useQueries({
    queries: pairs.map(({ runId, key, range }) => ({
      queryKey: trackingKeys.metricHistory(runId, key, maxPoints, range),
      queryFn: () => fetchMetricHistory(runId, key, maxPoints, range),
      staleTime: live ? 0 : 60_000,
      refetchInterval: live ? LIVE_MS : (false as const),
      placeholderData: range !== undefined ? keepPreviousData : undefined,
    })),
  });
}

/** The whole artifact tree of a run (recursive listing). */
export function useArtifacts(runId: string) {
  return useQuery({
    queryKey: trackingKeys.artifacts(runId),
    queryFn: () =>
      unwrap(api.GET("/api/v1/runs/{run_id}/artifacts", { params: { path: { run_id: runId }, query: { recursive: true } } })),
  });
}

/** The text of an artifact file for previews; refuses files larger than MAX_PREVIEW_BYTES. */
export function useArtifactText(runId: string, path: string | null, size?: number | null) {
  return useQuery({
    queryKey: trackingKeys.artifactText(runId, path ?? ""),
    enabled: !!path && (size == null || size <= MAX_PREVIEW_BYTES),
    staleTime: Infinity,
    queryFn: async () => {
      let res: Response;
      try {
        res = await fetch(artifactUrl(runId, path!));
      } catch {
        throw new ApiError(0, "NETWORK", "Cannot reach the Modelyard server.");
      }
      if (!res.ok) {
        let body: unknown = null;
        try {
          body = await res.json();
        } catch {
          /* not JSON */
        }
        throw toApiError(res.status, body);
      }
      const text = await res.text();
      return text.length > MAX_PREVIEW_BYTES ? text.slice(0, MAX_PREVIEW_BYTES) : text;
    },
  });
}

/** TanStack Query hooks of the jobs domain, and the live log tail (fetch + ReadableStream). */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { api, ApiError, toApiError, unwrap } from "../../api/client";
import type { Job } from "../../api/types";
import { appendLog, emptyLog, isTerminal, jobsPollInterval, type LogState } from "../../lib/logTail";
import { trackingKeys } from "../tracking/keys";

export const jobsKeys = {
  list: ["jobs", "list"] as const,
  job: (id: string) => ["jobs", "job", id] as const,
};

/** Every job, polled every 2 s while one is queued or running (15 s otherwise). */
export function useJobs() {
  return useQuery({
    queryKey: jobsKeys.list,
    queryFn: async () => (await unwrap(api.GET("/api/v1/jobs", { params: { query: { max_results: 1000 } } }))).jobs,
    refetchInterval: (q) => jobsPollInterval((q.state.data ?? []).map((j) => j.status)),
  });
}

export function fetchJob(id: string): Promise<Job> {
  return unwrap(api.GET("/api/v1/jobs/{job_id}", { params: { path: { job_id: id } } }));
}

/** One job (a 404 means the run is not a job), polled every 2 s until it ends. */
export function useJob(id: string, enabled = true) {
  return useQuery({
    queryKey: jobsKeys.job(id),
    queryFn: () => fetchJob(id),
    enabled,
    refetchInterval: (q) => (q.state.data && !isTerminal(q.state.data.status) ? 2000 : false),
  });
}

export function useCancelJob(id: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: () => unwrap(api.POST("/api/v1/jobs/{job_id}/cancel", { params: { path: { job_id: id } } })),
    onSuccess: (job) => {
      qc.setQueryData(jobsKeys.job(id), job);
      qc.invalidateQueries({ queryKey: jobsKeys.list });
      qc.invalidateQueries({ queryKey: trackingKeys.run(id) });
    },
  });
}

export type TailPhase = "connecting" | "following" | "ended" | "error";

/**
 * The job's log, tailed live: `GET /jobs/{id}/logs?follow=true&offset=N` streams the log
 * while the job runs and ends when it has ended (or after the server's time limit, when the
 * tail reconnects from the offset it reached). Stops when the job ends or on unmount.
 */
export function useLogTail(jobId: string) {
  const qc = useQueryClient();
  const [log, setLog] = useState<LogState>(emptyLog);
  const [phase, setPhase] = useState<TailPhase>("connecting");
  const [error, setError] = useState<ApiError | null>(null);

  useEffect(() => {
    const ctrl = new AbortController();
    let state = emptyLog();
    let offset = 0;
    setLog(state);
    setPhase("connecting");
    setError(null);
    (async () => {
      const decoder = new TextDecoder();
      for (;;) {
        const url = `/api/v1/jobs/${encodeURIComponent(jobId)}/logs?follow=true&offset=${offset}`;
        const resp = await fetch(url, { signal: ctrl.signal });
        if (!resp.ok) throw toApiError(resp.status, await resp.json().catch(() => null));
        setPhase("following");
        const reader = resp.body!.getReader();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          offset += value.byteLength;
          state = appendLog(state, decoder.decode(value, { stream: true }));
          setLog(state);
        }
        const job = await fetchJob(jobId);
        qc.setQueryData(jobsKeys.job(jobId), job);
        if (isTerminal(job.status)) {
          state = appendLog(state, decoder.decode());
          setLog(state);
          setPhase("ended");
          qc.invalidateQueries({ queryKey: trackingKeys.run(jobId) });
          qc.invalidateQueries({ queryKey: jobsKeys.list });
          return;
        }
      }
    })().catch((e) => {
      if (ctrl.signal.aborted) return;
      setError(e instanceof ApiError ? e : new ApiError(0, "NETWORK", "The log stream was interrupted."));
      setPhase("error");
    });
    return () => ctrl.abort();
  }, [jobId, qc]);

  return { log, phase, error };
}

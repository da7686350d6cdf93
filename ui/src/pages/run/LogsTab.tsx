/** A job's log, tailed live while it runs (auto-scroll unless scrolled up), and its job facts. */
import { useEffect, useLayoutEffect, useRef, useState } from "react";
import type { Job } from "../../api/types";
import { ErrorState, Loading, Spinner } from "../../components/States";
import { useCancelJob, useJob, useLogTail } from "../../data/jobs/hooks";
import { atBottom, isTerminal, visibleLines } from "../../lib/logTail";
import { commandOf } from "../jobs/JobsPage";

function JobFacts({ job }: { job: Job }) {
  const cancel = useCancelJob(job.id);
  const live = !isTerminal(job.status);
  return (
    <div className="card" data-testid="job-facts">
      <div className="card-head">
        <h3 style={{ flex: 1 }}>Job</h3>
        {live && (
          <button className="btn sm" disabled={cancel.isPending || job.cancel_requested} onClick={() => cancel.mutate()}>
            {job.cancel_requested ? "Canceling…" : "Cancel job"}
          </button>
        )}
      </div>
      <div className="card-body flush">
        <dl className="kv">
          <dt>Command</dt><dd className="mono" style={{ whiteSpace: "pre-wrap" }}>{typeof job.spec.command === "string" ? job.spec.command.trim() : commandOf(job.spec) || "—"}</dd>
          <dt>Compute</dt><dd>{job.compute}</dd>
          <dt>Attempt</dt><dd className="num">{job.attempt} of {job.max_retries + 1}</dd>
          {job.exit_code != null && <><dt>Exit code</dt><dd className="num">{job.exit_code}{job.signal ? ` (${job.signal})` : ""}</dd></>}
          {job.error && <><dt>Error</dt><dd className="mono" style={{ color: "var(--danger)" }}>{job.error}</dd></>}
        </dl>
        {cancel.isError && <div className="field-error">{(cancel.error as Error).message}</div>}
      </div>
    </div>
  );
}

export function LogsTab({ runId }: { runId: string }) {
  const job = useJob(runId);
  const { log, phase, error } = useLogTail(runId);
  const box = useRef<HTMLPreElement>(null);
  const [follow, setFollow] = useState(true);
  const lines = visibleLines(log);

  // Keep the newest line in view while following; scrolling up stops following.
  useLayoutEffect(() => {
    const el = box.current;
    if (el && follow) el.scrollTop = el.scrollHeight;
  }, [log, follow]);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const onScroll = () => setFollow(atBottom(el));
    el.addEventListener("scroll", onScroll, { passive: true });
    return () => el.removeEventListener("scroll", onScroll);
  }, [phase, job.isLoading]);

  if (job.isLoading) return <Loading label="Loading job…" />;
  if (job.isError) return <div className="card"><ErrorState error={job.error} onRetry={() => job.refetch()} /></div>;
  return (
    <div className="stack">
      <JobFacts job={job.data!} />
      <div className="card">
        <div className="card-head">
          <h3 style={{ flex: 1 }}>std_log.txt</h3>
          <span className="hint-text" data-testid="log-phase" data-phase={phase}>
            {phase === "connecting" && <><Spinner /> connecting…</>}
            {phase === "following" && <><Spinner /> following the live log{follow ? "" : " (scrolled up: not auto-scrolling)"}</>}
            {phase === "ended" && `${(log.lines.length + log.dropped).toLocaleString("en-US")} lines · the job has ended`}
          </span>
          {!follow && phase === "following" && (
            <button className="btn sm" onClick={() => setFollow(true)}>Jump to end</button>
          )}
        </div>
        {phase === "error" ? <ErrorState error={error} /> : (
          <pre ref={box} className="log-view" data-testid="job-log" tabIndex={0}>
            {log.dropped > 0 && <span className="faint">… {log.dropped.toLocaleString("en-US")} earlier lines not shown (download the log from Artifacts){"\n"}</span>}
            {lines.length === 0 && phase !== "connecting" ? <span className="faint">{phase === "ended" ? "The job wrote no output." : "No output yet."}</span> : lines.join("\n")}
          </pre>
        )}
      </div>
    </div>
  );
}

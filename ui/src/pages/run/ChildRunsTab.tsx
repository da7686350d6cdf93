import type { UseQueryResult } from "@tanstack/react-query";
import type { Run, RunPage } from "../../api/types";
import { Empty, ErrorState, Loading } from "../../components/States";
import type { RunsSearch } from "../../data/tracking/hooks";
import { RunsList } from "../runs/RunsList";

export function childRunsQuery(run: Run | undefined): RunsSearch {
  return {
    experiment_ids: run ? [run.experiment_id] : [],
    filter: `attributes.parent_id = '${(run?.id ?? "").replace(/'/g, "\\'")}'`,
    order_by: ["attributes.start_time ASC"],
    max_results: 1000,
  };
}

export function ChildRunsTab({ query }: { query: UseQueryResult<RunPage> }) {
  if (query.isLoading) return <Loading />;
  if (query.isError) return <div className="card"><ErrorState error={query.error} onRetry={() => query.refetch()} /></div>;
  const runs = query.data!.runs;
  return (
    <section className="card">
      {runs.length === 0 ? (
        <Empty title="No child runs">Runs started with <code>yard.start_run(parent=run)</code>, sweep trials and pipeline steps appear here.</Empty>
      ) : (
        <RunsList runs={runs} />
      )}
    </section>
  );
}

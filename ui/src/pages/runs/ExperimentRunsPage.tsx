/** The runs of one experiment: filter, sort, choose columns, select and compare. */
import { useCallback, useMemo, useRef } from "react";
import { Link, useNavigate, useParams, useSearchParams } from "react-router";
import { ApiError } from "../../api/client";
import type { Run } from "../../api/types";
import { useCrumbs } from "../../components/Crumbs";
import { CompareIcon, RefreshIcon } from "../../components/Icons";
import { Empty, ErrorState, Loading, Spinner } from "../../components/States";
import { useExperiment, useRunsInfinite } from "../../data/tracking/hooks";
import { nextSort, parseRunsQuery, toOrderBy, writeRunsQuery, type RunsQuery } from "../../lib/runsQuery";
import { ColumnPicker } from "./ColumnPicker";
import { FilterBox, FILTER_EXAMPLE } from "./FilterBox";
import { RunsTable } from "./RunsTable";
import "./runs.css";

const PAGE_SIZE = 200;
/** The first request: a screenful and some, so the table shows as soon as possible. */
const FIRST_PAGE = 50;
export const MAX_COMPARE = 10;

/** Keys present in the loaded runs, by group; metrics by how many runs have them. */
function availableKeys(runs: Run[]) {
  const m = new Map<string, number>(), p = new Map<string, number>(), t = new Map<string, number>();
  const distinct = new Map<string, Set<string>>();
  const bump = (map: Map<string, number>, k: string) => map.set(k, (map.get(k) ?? 0) + 1);
  for (const r of runs) {
    Object.keys(r.metrics).forEach((k) => bump(m, k));
    Object.entries(r.params).forEach(([k, v]) => {
      bump(p, k);
      if (!distinct.has(k)) distinct.set(k, new Set());
      distinct.get(k)!.add(v);
    });
    Object.keys(r.tags).filter((k) => !k.startsWith("modelyard.")).forEach((k) => bump(t, k));
  }
  const byCount = (map: Map<string, number>) => [...map.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([k]) => k);
  // Params whose value varies between runs are the interesting ones: they come first.
  const varies = (k: string) => (distinct.get(k)?.size ?? 0) > 1;
  const params = byCount(p).sort((a, b) => Number(varies(b)) - Number(varies(a)));
  return { metrics: byCount(m), params, tags: byCount(t) };
}

export function ExperimentRunsPage() {
  const { experimentId = "" } = useParams();
  const [sp, setSp] = useSearchParams();
  const navigate = useNavigate();
  const q = parseRunsQuery(sp);
  const exp = useExperiment(experimentId);
  useCrumbs([{ label: "Experiments", to: "/experiments" }, { label: exp.data?.name ?? experimentId }]);

  const body = useMemo(
    () => ({
      experiment_ids: [experimentId],
      filter: q.filter || undefined,
      order_by: toOrderBy(q.sort, q.dir),
      max_results: PAGE_SIZE,
    }),
    [experimentId, q.filter, q.sort, q.dir],
  );
  const runsQ = useRunsInfinite(body, FIRST_PAGE);
  const lastGood = useRef<Run[]>([]);
  const fresh = runsQ.data?.pages.flatMap((pg) => pg.runs);
  if (fresh && !runsQ.isError) lastGood.current = fresh;
  const runs = runsQ.isError ? lastGood.current : (fresh ?? []);

  const filterError = runsQ.error instanceof ApiError && runsQ.error.status === 400 ? runsQ.error.message : null;
  const otherError = runsQ.isError && !filterError ? runsQ.error : null;

  const avail = useMemo(() => availableKeys(runs), [runs]);
  const columns = sp.has("cols") ? q.columns : [
    ...avail.metrics.slice(0, 4).map((k) => `metrics.${k}`),
    ...avail.params.slice(0, 3).map((k) => `params.${k}`),
  ];

  const update = useCallback(
    (patch: Partial<RunsQuery>) => setSp((cur) => writeRunsQuery(patch, cur), { replace: true }),
    [setSp],
  );
  const onLoadMore = useCallback(() => { if (runsQ.hasNextPage && !runsQ.isFetchingNextPage) runsQ.fetchNextPage(); }, [runsQ]);

  const canCompare = q.selected.length >= 2 && q.selected.length <= MAX_COMPARE;

  if (exp.isError) return <div className="card"><ErrorState error={exp.error} onRetry={() => exp.refetch()} /></div>;

  return (
    <div className="runs-page">
      <div className="page-head">
        <div className="titles">
          <h1>{exp.data?.name ?? <span className="skeleton" style={{ display: "block", width: 240, height: 28 }} />}</h1>
          <div className="sub">
            <span className="mono faint">{experimentId}</span>
            {exp.data?.description && <span>{exp.data.description}</span>}
            {exp.data && Object.entries(exp.data.tags ?? {}).map(([k, v]) => <span key={k} className="chip">{k}: <b>{v}</b></span>)}
          </div>
        </div>
        <div className="actions">
          <button className="btn primary" disabled={!canCompare} data-testid="compare-button"
            title={canCompare ? "Compare the selected runs" : `Select 2 to ${MAX_COMPARE} runs to compare`}
            onClick={() => navigate(`/compare?runs=${q.selected.map(encodeURIComponent).join(",")}`)}>
            <CompareIcon /> Compare{q.selected.length ? ` (${q.selected.length})` : ""}
          </button>
        </div>
      </div>

      <section className="card runs-card">
        <div className="runs-toolbar">
          <FilterBox value={q.filter} onApply={(filter) => update({ filter })} error={filterError} />
          <ColumnPicker available={avail} chosen={columns} onChange={(cols) => update({ columns: cols.length ? cols : ["-"] })} />
        </div>
        <div className="runs-status" data-testid="runs-status">
          {runsQ.isLoading || runsQ.isPlaceholderData ? <><Spinner /> Searching…</> : (
            <span>
              <b className="num">{runs.length.toLocaleString("en-US")}</b>{runsQ.hasNextPage ? "+" : ""} run{runs.length === 1 ? "" : "s"}
              {q.filter && !filterError && <> matching the filter</>}
            </span>
          )}
          {q.selected.length > 0 && (
            <span>
              · <b>{q.selected.length}</b> selected{" "}
              <button className="btn ghost sm" onClick={() => update({ selected: [] })}>Clear selection</button>
            </span>
          )}
          <span className="spacer" />
          {runsQ.isFetching && !runsQ.isLoading && <Spinner label="Refreshing" />}
          <button className="btn ghost sm" onClick={() => runsQ.refetch()} title="Refresh"><RefreshIcon size={14} /> Refresh</button>
        </div>
        {runsQ.isLoading ? <Loading label="Loading runs…" /> :
          otherError ? <ErrorState error={otherError} onRetry={() => runsQ.refetch()} /> :
          runs.length === 0 ? (
            q.filter ? (
              <Empty title={filterError ? "Fix the filter to see runs" : "No run matches this filter"}>
                {filterError ? "The filter above has an error." : <>Try a looser filter, e.g. <code>{FILTER_EXAMPLE}</code>.</>}
              </Empty>
            ) : (
              <Empty title="No runs in this experiment yet">
                Log one from Python:{" "}
                <code>{`with yard.start_run(experiment="${exp.data?.name ?? "NAME"}"): yard.log_metric("acc", 0.9)`}</code>
              </Empty>
            )
          ) : (
            <RunsTable runs={runs} columns={columns.filter((c) => c !== "-")} sort={q.sort} dir={q.dir}
              onSort={(col) => update(nextSort(q, col))}
              selected={q.selected} onSelect={(selected) => update({ selected })}
              hasMore={!!runsQ.hasNextPage} loadingMore={runsQ.isFetchingNextPage} onLoadMore={onLoadMore} />
          )}
      </section>
      <div className="hint-text">
        Keys: <kbd>↑</kbd>/<kbd>↓</kbd> move, <kbd>Space</kbd> select, <kbd>Enter</kbd> open, <kbd>Shift</kbd>+click selects a range. <Link to="/experiments">All experiments</Link>
      </div>
    </div>
  );
}

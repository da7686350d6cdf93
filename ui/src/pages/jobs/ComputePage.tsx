/** Compute targets: where jobs run (local processes with a concurrency limit, Ray clusters). */
import { useQuery } from "@tanstack/react-query";
import { api, unwrap } from "../../api/client";
import { useCrumbs } from "../../components/Crumbs";
import { CpuIcon } from "../../components/Icons";
import { Empty, ErrorState, Loading } from "../../components/States";
import { useJobs } from "../../data/jobs/hooks";
import { formatRelative } from "../../lib/format";
import { isTerminal } from "../../lib/logTail";

export function ComputePage() {
  useCrumbs([{ label: "Compute" }]);
  const computes = useQuery({
    queryKey: ["computes"],
    queryFn: async () => (await unwrap(api.GET("/api/v1/computes"))).computes,
  });
  const jobs = useJobs();
  const active = new Map<string, number>();
  for (const j of jobs.data ?? []) if (!isTerminal(j.status)) active.set(j.compute, (active.get(j.compute) ?? 0) + 1);
  return (
    <div className="page">
      <div className="page-head">
        <div className="titles">
          <h1>Compute</h1>
          <div className="sub">Targets jobs run on. <code>local</code> is always there; add a Ray cluster with <code>modelyard compute create -f ray.yml</code>.</div>
        </div>
      </div>
      <div className="card">
        <div className="card-body flush">
          {computes.isLoading ? <Loading /> : computes.isError ? <ErrorState error={computes.error} onRetry={() => computes.refetch()} /> :
            computes.data!.length === 0 ? <Empty title="No compute targets" icon={<CpuIcon size={28} />}>Jobs run on <code>local</code> by default.</Empty> : (
              <table className="table nowrap" data-testid="computes-table">
                <thead><tr><th>Name</th><th>Type</th><th className="num">Active jobs</th><th className="num">Max concurrent</th><th>Address</th><th>Created</th><th>Description</th></tr></thead>
                <tbody>{computes.data!.map((c) => (
                  <tr key={c.name} data-compute={c.name}>
                    <td>{c.name}</td><td><span className="chip">{c.type}</span></td>
                    <td className="num">{active.get(c.name) ?? 0}</td><td className="num">{c.max_concurrent_jobs}</td>
                    <td className="mono muted">{c.address ?? "—"}</td><td className="muted">{formatRelative(c.created_at)}</td>
                    <td className="muted">{c.description ?? ""}</td>
                  </tr>
                ))}</tbody>
              </table>
            )}
        </div>
      </div>
    </div>
  );
}

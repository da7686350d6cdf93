/**
 * One online endpoint: deployments with their traffic weights, a test console (JSON body
 * prefilled from the model's input example or signature; the key is read through the API)
 * and live latency / throughput / error charts.
 */
import { useEffect, useMemo, useState } from "react";
import { Link, useParams } from "react-router";
import { useCrumbs } from "../../components/Crumbs";
import { MetricChart, PALETTE, type ChartSeries } from "../../components/MetricChart";
import { ErrorState, Loading } from "../../components/States";
import { StatusBadge } from "../../components/StatusBadge";
import { Tabs, useTab } from "../../components/Tabs";
import {
  useDeployments, useEndpoint, useEndpointMetrics, useEndpointRequests, useInputExample, useModelFiles,
  useModelVersion, useScore,
} from "../../data/models/hooks";
import { formatNumber } from "../../lib/format";
import {
  addSnapshot, bucketRequests, endpointState, exampleRequest, jsonError, parseModelUri, parseSignature,
  snapshotSeries, trafficRows, type Deployment, type Endpoint, type MetricsSnapshot,
} from "../../lib/models";

const TABS = [{ id: "overview", label: "Deployments" }, { id: "test", label: "Test" }, { id: "monitor", label: "Monitoring" }];

function Deployments({ ep, deps }: { ep: Endpoint; deps: Deployment[] }) {
  const traffic = trafficRows(ep.traffic, deps.map((d) => d.name));
  return (
    <div className="card">
      <div className="card-head"><h2>Deployments</h2></div>
      <div className="card-body flush" style={{ overflowX: "auto" }}>
        <table className="table nowrap" data-testid="deployments-table">
          <thead><tr><th>Name</th><th>State</th><th>Model</th><th className="num">Instances</th><th>Traffic</th><th>Mirror</th></tr></thead>
          <tbody>
            {traffic.map(({ name, percent }) => {
              const d = deps.find((x) => x.name === name);
              const m = d ? parseModelUri(d.model) : null;
              return (
                <tr key={name} data-deployment={name}>
                  <td>{name}</td>
                  <td>{d ? <StatusBadge status={d.state} /> : "missing"}{d?.error && <div className="field-error">{d.error}</div>}</td>
                  <td className="mono">{m && /^\d+$/.test(m.ref) ? <Link to={`/models/${encodeURIComponent(m.name)}/versions/${m.ref}`}>{d!.model}</Link> : d?.model ?? "—"}</td>
                  <td className="num">{d?.instance_count ?? "—"}</td>
                  <td>
                    <div style={{ display: "flex", alignItems: "center", gap: 8 }}>
                      <div style={{ width: 120, height: 8, background: "var(--bg-hover)", borderRadius: 4 }}>
                        <div style={{ width: `${percent}%`, height: 8, background: "var(--accent)", borderRadius: 4 }} />
                      </div>
                      <span className="num" data-testid={`traffic-${name}`}>{percent}%</span>
                    </div>
                  </td>
                  <td className="num">{ep.mirror_traffic[name] ? `${ep.mirror_traffic[name]}%` : "—"}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </div>
  );
}

function Console({ ep, deps }: { ep: Endpoint; deps: Deployment[] }) {
  const live = deps.find((d) => (ep.traffic[d.name] ?? 0) > 0) ?? deps[0];
  const ref = live ? parseModelUri(live.model) : null;
  const version = ref && /^\d+$/.test(ref.ref) ? ref.ref : undefined;
  const mv = useModelVersion(ref?.name ?? "", version ?? "");
  const files = useModelFiles(ref?.name ?? "", version ?? "");
  const hasExample = files.data ? files.data.some((f) => f.path === "input_example.json") : (files.isError ? false : undefined);
  const example = useInputExample(version ? ref!.name : undefined, version, hasExample);
  const [body, setBody] = useState<string | null>(null);
  const [target, setTarget] = useState("");
  const score = useScore(ep.name);
  const prefill = useMemo(() => exampleRequest(example.data ?? null, parseSignature(mv.data?.signature ?? null).inputs), [example.data, mv.data]);
  const text = body ?? prefill;
  const err = jsonError(text);
  const r = score.data;
  return (
    <div className="grid-2">
      <div className="card">
        <div className="card-head">
          <h2>Request</h2>
          <select className="input" value={target} onChange={(e) => setTarget(e.target.value)} aria-label="Deployment" style={{ width: "auto" }}>
            <option value="">By traffic</option>
            {deps.map((d) => <option key={d.name} value={d.name}>{d.name}</option>)}
          </select>
          <button className="btn primary" data-testid="send" disabled={!!err || score.isPending}
            onClick={() => score.mutate({ body: text, authMode: ep.auth_mode, keys: ep.keys, deployment: target || undefined })}>
            {score.isPending ? "Sending…" : "Send"}
          </button>
        </div>
        <div className="card-body">
          <textarea className="input mono" data-testid="console-body" spellCheck={false} value={text} rows={14}
            style={{ width: "100%", height: "auto", minHeight: 240, resize: "vertical" }}
            onChange={(e) => setBody(e.target.value)}
            onKeyDown={(e) => { if ((e.ctrlKey || e.metaKey) && e.key === "Enter" && !err) score.mutate({ body: text, authMode: ep.auth_mode, keys: ep.keys, deployment: target || undefined }); }} />
          {err ? <div className="field-error">{err}</div> : <div className="muted" style={{ fontSize: "var(--fs-sm)" }}>
            POST {ep.scoring_uri} · {ep.auth_mode === "aml_token" ? "a fresh token is fetched for each request" : "the key is read from the endpoint"} · Ctrl+Enter sends
            {example.data != null ? " · prefilled from the model's input example" : ""}</div>}
          {body !== null && <button className="btn sm ghost" onClick={() => setBody(null)}>Reset to the example</button>}
        </div>
      </div>
      <div className="card" data-testid="console-response">
        <div className="card-head"><h2>Response</h2></div>
        <div className="card-body">
          {score.isError ? <ErrorState error={score.error} /> : !r ? <div className="muted">Send a request to see the prediction.</div> : (
            <>
              <dl className="kv">
                <dt>Status</dt><dd><span className={`badge ${r.status < 400 ? "ok" : "danger"}`} data-testid="response-status">{r.status}</span></dd>
                <dt>Deployment</dt><dd className="mono" data-testid="response-deployment">{r.deployment ?? "—"}</dd>
                <dt>Latency</dt><dd className="num">{formatNumber(r.latencyMs, 3)} ms</dd>
              </dl>
              <pre data-testid="prediction" style={{ maxHeight: 320, overflow: "auto" }}>{typeof r.body === "string" ? r.body : JSON.stringify(r.body, null, 2)}</pre>
            </>
          )}
        </div>
      </div>
    </div>
  );
}

function series(label: string, t: number[], v: (number | null)[], color: string): ChartSeries {
  return { label, steps: t.map((_, i) => i), timestamps: t.map((s) => s * 1000), values: v.map((x) => (x == null ? NaN : x)), color };
}

function Monitoring({ name }: { name: string }) {
  const metrics = useEndpointMetrics(name);
  const requests = useEndpointRequests(name);
  const [history, setHistory] = useState<MetricsSnapshot[]>([]);
  useEffect(() => {
    if (metrics.data) setHistory((h) => addSnapshot(h, metrics.data!, metrics.dataUpdatedAt));
  }, [metrics.data, metrics.dataUpdatedAt]);
  const logged = useMemo(() => bucketRequests(requests.data ?? []), [requests.data]);
  const live = useMemo(() => snapshotSeries(history), [history]);
  const m = metrics.data;
  const fromLogs = logged.each.t.length > 0;
  return (
    <>
      <div className="card">
        <div className="card-head"><h2>Since the server started</h2></div>
        <div className="card-body">
          {metrics.isLoading ? <Loading /> : metrics.isError ? <ErrorState error={metrics.error} /> : m && (
            <dl className="kv" data-testid="endpoint-metrics">
              <dt>Requests</dt><dd className="num">{m.requests}</dd>
              <dt>Errors</dt><dd className="num">{m.errors}</dd>
              <dt>Latency p50 / p90 / p99</dt><dd className="num">{[m.latency_ms.p50, m.latency_ms.p90, m.latency_ms.p99].map((x) => (x == null ? "—" : `${formatNumber(x, 3)} ms`)).join(" / ")}</dd>
              {m.mirrored > 0 && <><dt>Mirrored</dt><dd className="num">{m.mirrored}</dd></>}
            </dl>
          )}
        </div>
      </div>
      <div className="hint-text">{fromLogs
        ? `Charts of the last ${logged.each.t.length} logged requests (deployments log the share of requests set by request_logging_rate).`
        : "Live charts from the server's counters, sampled every 5 s while this page is open."}</div>
      <div className="grid-2" data-testid="endpoint-charts">
        {fromLogs ? (
          <>
            <MetricChart title="Latency per request (ms)" series={[series("latency", logged.each.t, logged.each.latency, PALETTE[0])]} xMode="time" smoothing={0} logY={false} height={200} minXSpan={300} />
            <MetricChart title="Requests per minute" series={[series("requests", logged.t, logged.perMinute, PALETTE[2]), series("errors", logged.t, logged.errorsPerMinute, PALETTE[3])]} xMode="time" smoothing={0} logY={false} height={200} minXSpan={300} />
          </>
        ) : (
          <>
            <MetricChart title="Latency (ms)" series={[series("p50", live.t, live.p50, PALETTE[0]), series("p90", live.t, live.p90, PALETTE[1])]} xMode="time" smoothing={0} logY={false} height={200} minXSpan={300} />
            <MetricChart title="Requests and errors per second" series={[series("requests/s", live.t, live.rps, PALETTE[2]), series("errors/s", live.t, live.eps, PALETTE[3])]} xMode="time" smoothing={0} logY={false} height={200} minXSpan={300} />
          </>
        )}
      </div>
    </>
  );
}

export default function EndpointPage() {
  const { name = "" } = useParams();
  useCrumbs([{ label: "Endpoints", to: "/endpoints" }, { label: name }]);
  const tab = useTab(TABS);
  const ep = useEndpoint(name);
  const deps = useDeployments(name);
  if (ep.isLoading) return <div className="page"><Loading label="Loading the endpoint…" /></div>;
  if (ep.isError || !ep.data) return <div className="page"><ErrorState error={ep.error} onRetry={() => ep.refetch()} /></div>;
  const e = ep.data;
  const list = deps.data ?? [];
  return (
    <div className="page" data-testid="endpoint">
      <div className="page-head">
        <div className="titles">
          <h1>{e.name} <StatusBadge status={endpointState(list)} /></h1>
          <div className="sub mono">POST {e.scoring_uri} · auth: {e.auth_mode}{e.description ? ` · ${e.description}` : ""}</div>
        </div>
      </div>
      <Tabs tabs={TABS} active={tab} />
      {deps.isError ? <ErrorState error={deps.error} /> : tab === "test" ? <Console ep={e} deps={list} /> :
        tab === "monitor" ? <Monitoring name={e.name} /> : <Deployments ep={e} deps={list} />}
    </div>
  );
}

import { describe, expect, it } from "vitest";
import {
  addSnapshot, bucketRequests, endpointState, exampleRequest, jsonError, modelFileUrl, parseModelUri,
  parseSignature, snapshotSeries, trafficRows, type EndpointMetrics, type RequestLog,
} from "./models";

const metrics = (requests: number, errors: number, p50: number | null = 1): EndpointMetrics =>
  ({ endpoint: "e", requests, errors, mirrored: 0, latency_ms: { p50, p90: p50, p99: p50 } });

describe("parseSignature", () => {
  it("reads MLflow's column and tensor specs", () => {
    const sig = {
      inputs: JSON.stringify([{ type: "double", name: "sepal_length", required: true }, { type: "string", name: "note", required: false }]),
      outputs: JSON.stringify([{ type: "tensor", "tensor-spec": { dtype: "int64", shape: [-1] } }]),
    };
    const { inputs, outputs } = parseSignature(sig);
    expect(inputs).toEqual([{ name: "sepal_length", type: "double", required: true }, { name: "note", type: "string", required: false }]);
    expect(outputs).toEqual([{ name: "#0", type: "tensor<int64>[-1]", required: true }]);
  });
  it("tolerates a missing or broken signature", () => {
    expect(parseSignature(null)).toEqual({ inputs: [], outputs: [] });
    expect(parseSignature({ inputs: "{not json" })).toEqual({ inputs: [], outputs: [] });
  });
});

describe("exampleRequest", () => {
  it("wraps a saved split-form example as dataframe_split, at most 3 rows", () => {
    const body = JSON.parse(exampleRequest({ columns: ["a", "b"], data: [[1, 2], [3, 4], [5, 6], [7, 8]] }, []));
    expect(body).toEqual({ dataframe_split: { columns: ["a", "b"], data: [[1, 2], [3, 4], [5, 6]] } });
  });
  it("builds a placeholder row from the signature when there is no example", () => {
    const body = JSON.parse(exampleRequest(null, [{ name: "x", type: "double", required: true }, { name: "s", type: "string", required: true }]));
    expect(body).toEqual({ dataframe_split: { columns: ["x", "s"], data: [[0, ""]] } });
  });
  it("falls back to empty inputs", () => {
    expect(JSON.parse(exampleRequest(null, []))).toEqual({ inputs: [] });
    expect(JSON.parse(exampleRequest([[1, 2]], []))).toEqual({ inputs: [[1, 2]] });
  });
});

describe("endpoint helpers", () => {
  it("parses model URIs", () => {
    expect(parseModelUri("models:/digits/3")).toEqual({ name: "digits", ref: "3" });
    expect(parseModelUri("models:/digits@champion")).toEqual({ name: "digits", ref: "@champion" });
    expect(parseModelUri("runs:/abc/model")).toBeNull();
  });
  it("lists every deployment's traffic share, busiest first", () => {
    expect(trafficRows({ blue: 90, green: 10 }, ["green", "blue", "red"])).toEqual([
      { name: "blue", percent: 90 }, { name: "green", percent: 10 }, { name: "red", percent: 0 },
    ]);
  });
  it("sums up the deployments' states", () => {
    expect(endpointState([])).toBe("No deployments");
    expect(endpointState([{ state: "Ready" }, { state: "Creating" }])).toBe("Creating");
    expect(endpointState([{ state: "Ready" }, { state: "Failed" }])).toBe("Failed");
    expect(endpointState([{ state: "Ready" }])).toBe("Ready");
  });
  it("reports JSON syntax errors", () => {
    expect(jsonError('{"inputs": [1]}')).toBeNull();
    expect(jsonError('{"inputs": [1}')).toMatch(/./);
  });
  it("encodes model file URLs", () => {
    expect(modelFileUrl("my model", 2, "dir/input example.json")).toBe("/api/v1/models/my%20model/versions/2/files/dir/input%20example.json");
  });
});

describe("request charts", () => {
  it("buckets logged requests per minute with mean latency and errors", () => {
    const log = (at: string, status: number, latency: number): RequestLog =>
      ({ endpoint: "e", deployment: "blue", status_code: status, latency_ms: latency, request: null, response: null, created_at: at });
    const s = bucketRequests([
      log("2024-01-01T00:01:10Z", 200, 10), log("2024-01-01T00:00:30Z", 200, 4), log("2024-01-01T00:00:50Z", 500, 8),
    ]);
    const t0 = Date.parse("2024-01-01T00:00:00Z") / 1000;
    expect(s.t).toEqual([t0, t0 + 60]);
    expect(s.latency).toEqual([6, 10]);
    expect(s.perMinute).toEqual([2, 1]);
    expect(s.errorsPerMinute).toEqual([1, 0]);
    expect(s.each).toEqual({ t: [t0 + 30, t0 + 50, t0 + 70], latency: [4, 8, 10] });
  });
  it("turns counter snapshots into rates and restarts after a server restart", () => {
    let h = addSnapshot([], metrics(10, 0), 1000);
    h = addSnapshot(h, metrics(20, 2, 3), 6000);
    h = addSnapshot(h, metrics(20, 2, 3), 6000); // the same poll twice
    expect(h).toHaveLength(2);
    const s = snapshotSeries(h);
    expect(s.t).toEqual([6]);
    expect(s.rps).toEqual([2]);
    expect(s.eps).toEqual([0.4]);
    expect(s.p50).toEqual([3]);
    expect(addSnapshot(h, metrics(1, 0), 11000)).toHaveLength(1);
  });
});

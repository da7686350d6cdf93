import { describe, expect, it } from "vitest";
import { historyQuery } from "./hooks";
import { trackingKeys } from "./keys";

describe("metric history requests", () => {
  it("ask for the whole history, or for a zoomed chart's steps only", () => {
    expect(historyQuery(2000)).toEqual({ max_points: 2000 });
    expect(historyQuery(2000, null)).toEqual({ max_points: 2000 });
    expect(historyQuery(2000, [100, 250])).toEqual({ max_points: 2000, min_step: 100, max_step: 250 });
  });
  it("keep zoomed ranges apart in the query cache", () => {
    expect(trackingKeys.metricHistory("r", "k", 10, [1, 2])).not.toEqual(trackingKeys.metricHistory("r", "k", 10));
    expect(trackingKeys.metricHistory("r", "k", 10, null)).toEqual(trackingKeys.metricHistory("r", "k", 10));
  });
});

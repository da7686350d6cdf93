import { describe, expect, it } from "vitest";
import { nextSort, parseRunsQuery, selectRange, splitColumn, toOrderBy, toggleSelected, writeRunsQuery } from "./runsQuery";

describe("runs table URL state", () => {
  it("round-trips through the query string, keeping unrelated keys", () => {
    const sp = writeRunsQuery(
      { filter: "metrics.acc > 0.9", sort: "metrics.acc", dir: "desc", columns: ["metrics.acc", "params.a,b"], selected: ["r1", "r2"] },
      new URLSearchParams("tab=x"),
    );
    const q = parseRunsQuery(new URLSearchParams(sp.toString()));
    expect(q).toEqual({ filter: "metrics.acc > 0.9", sort: "metrics.acc", dir: "desc", columns: ["metrics.acc", "params.a,b"], selected: ["r1", "r2"] });
    expect(sp.get("tab")).toBe("x");
  });
  it("leaves defaults out of the URL", () => {
    const sp = writeRunsQuery({ filter: "  ", sort: null, dir: "desc", columns: [], selected: [] });
    expect(sp.toString()).toBe("");
  });
});

describe("sorting", () => {
  it("builds the server's order_by, quoting odd keys", () => {
    expect(toOrderBy("metrics.acc", "desc")).toEqual(["metrics.acc DESC"]);
    expect(toOrderBy("params.learning rate", "asc")).toEqual(["params.`learning rate` ASC"]);
    expect(toOrderBy(null, "desc")).toEqual(["attributes.start_time DESC"]);
  });
  it("sorts a new metric column best-first and flips on a second click", () => {
    expect(nextSort({ sort: null, dir: "desc" }, "metrics.acc")).toEqual({ sort: "metrics.acc", dir: "desc" });
    expect(nextSort({ sort: "metrics.acc", dir: "desc" }, "metrics.acc")).toEqual({ sort: "metrics.acc", dir: "asc" });
    expect(nextSort({ sort: "metrics.acc", dir: "desc" }, "params.lr")).toEqual({ sort: "params.lr", dir: "asc" });
  });
  it("splits a column into group and key", () => {
    expect(splitColumn("metrics.val.loss")).toEqual({ group: "metrics", key: "val.loss" });
  });
});

describe("selection", () => {
  it("toggles and selects shift-click ranges in table order", () => {
    expect(toggleSelected(["a"], "b")).toEqual(["a", "b"]);
    expect(toggleSelected(["a", "b"], "a")).toEqual(["b"]);
    expect(selectRange(["x"], ["a", "b", "c", "d"], "d", "b")).toEqual(["x", "b", "c", "d"]);
  });
});

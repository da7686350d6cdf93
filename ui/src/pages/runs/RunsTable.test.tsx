import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import { MemoryRouter } from "react-router";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Run } from "../../api/types";
import { cellValue, RunsTable } from "./RunsTable";

afterEach(cleanup);

function run(id: string, acc: number | string): Run {
  return {
    id, experiment_id: "e", name: `run-${id}`, status: "Finished", kind: "run", lifecycle_stage: "active",
    created_at: "2024-01-01T00:00:00Z", start_time: "2024-01-01T00:00:00Z", end_time: "2024-01-01T00:00:05Z",
    parent_id: null, artifact_location: id, source: {}, params: { lr: "0.1" }, tags: {},
    metrics: { acc: { key: "acc", latest: acc as number, latest_step: 3, latest_timestamp: 0, min: 0, max: 1, count: 4 } },
  };
}

describe("RunsTable", () => {
  it("asks for a server-side sort when a header is clicked, and marks the sorted column", () => {
    const onSort = vi.fn();
    render(
      <MemoryRouter>
        <RunsTable runs={[run("a", 0.5)]} columns={["metrics.acc", "params.lr"]} sort="metrics.acc" dir="desc"
          onSort={onSort} selected={[]} onSelect={() => {}} hasMore={false} loadingMore={false} onLoadMore={() => {}} />
      </MemoryRouter>,
    );
    fireEvent.click(screen.getByTitle("Sort by lr"));
    expect(onSort).toHaveBeenCalledWith("params.lr");
    const sorted = screen.getAllByRole("columnheader").find((h) => h.getAttribute("aria-sort") === "descending");
    expect(sorted?.textContent).toBe("acc");
  });
  it("selects every loaded run from the header checkbox", () => {
    const onSelect = vi.fn();
    render(
      <MemoryRouter>
        <RunsTable runs={[run("a", 0.5), run("b", 0.7)]} columns={[]} sort={null} dir="desc"
          onSort={() => {}} selected={[]} onSelect={onSelect} hasMore={false} loadingMore={false} onLoadMore={() => {}} />
      </MemoryRouter>,
    );
    fireEvent.click(screen.getByLabelText("Select all loaded runs"));
    expect(onSelect).toHaveBeenCalledWith(["a", "b"]);
  });
  it("formats metric cells, reading NaN sent as a string", () => {
    expect(cellValue(run("a", 0.123456), "metrics.acc").text).toBe("0.1235");
    expect(cellValue(run("a", "NaN"), "metrics.acc").text).toBe("NaN");
    expect(cellValue(run("a", 1), "params.lr").text).toBe("0.1");
    expect(cellValue(run("a", 1), "tags.none").text).toBe("");
  });
});

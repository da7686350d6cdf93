import { describe, expect, it } from "vitest";
import { alignSeries, minMaxDownsample } from "./downsample";

describe("minMaxDownsample", () => {
  it("leaves short series alone", () => {
    expect(minMaxDownsample([1, 2, 3], [4, 5, 6], 100)).toEqual({ xs: [1, 2, 3], ys: [4, 5, 6] });
  });
  it("keeps at most 4 points per bucket and never loses a spike", () => {
    const n = 100_000;
    const xs = Array.from({ length: n }, (_, i) => i);
    const ys = xs.map((i) => Math.sin(i / 1000));
    ys[54_321] = 50;
    ys[12_345] = -50;
    const d = minMaxDownsample(xs, ys, 500);
    expect(d.xs.length).toBeLessThanOrEqual(2000);
    expect(Math.max(...d.ys)).toBe(50);
    expect(Math.min(...d.ys)).toBe(-50);
    expect(d.xs[0]).toBe(0);
    expect(d.xs[d.xs.length - 1]).toBe(n - 1);
    for (let i = 1; i < d.xs.length; i++) expect(d.xs[i]).toBeGreaterThan(d.xs[i - 1]);
  });
});

describe("alignSeries", () => {
  it("puts every series on the union of x values, null where missing", () => {
    const a = alignSeries([{ xs: [0, 2], ys: [1, 3] }, { xs: [1, 2], ys: [10, 20] }]);
    expect(a.xs).toEqual([0, 1, 2]);
    expect(a.ys).toEqual([[1, null, 3], [null, 10, 20]]);
  });
});

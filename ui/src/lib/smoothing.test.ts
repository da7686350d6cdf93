import { describe, expect, it } from "vitest";
import { smoothEma } from "./smoothing";

describe("smoothEma", () => {
  it("returns the values unchanged at weight 0", () => {
    expect(smoothEma([1, 5, 2], 0)).toEqual([1, 5, 2]);
  });
  it("is debiased: a constant series stays constant from the first point", () => {
    const out = smoothEma([3, 3, 3, 3], 0.9);
    out.forEach((v) => expect(v).toBeCloseTo(3, 10));
  });
  it("damps noise: the smoothed series varies less than the raw one", () => {
    const raw = Array.from({ length: 200 }, (_, i) => (i % 2 ? 1 : -1));
    const sm = smoothEma(raw, 0.9);
    const spread = (a: number[]) => Math.max(...a.slice(50)) - Math.min(...a.slice(50));
    expect(spread(sm)).toBeLessThan(spread(raw) / 5);
  });
  it("passes NaN through without poisoning later points", () => {
    const out = smoothEma([1, NaN, 1], 0.5);
    expect(out[1]).toBeNaN();
    expect(out[2]).toBeCloseTo(1, 10);
  });
});

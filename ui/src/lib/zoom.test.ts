import { describe, expect, it } from "vitest";
import { narrows, stepRange } from "./zoom";

describe("stepRange", () => {
  it("keeps the whole steps inside a selection, in either order", () => {
    expect(stepRange(10.2, 99.7)).toEqual([11, 99]);
    expect(stepRange(99.7, 10.2)).toEqual([11, 99]);
    expect(stepRange(-5, 5)).toEqual([-5, 5]);
    expect(stepRange(7, 7)).toEqual([7, 7]);
  });
  it("is null when no whole step is selected", () => {
    expect(stepRange(3.1, 3.9)).toBeNull();
    expect(stepRange(NaN, 4)).toBeNull();
    expect(stepRange(0, Infinity)).toBeNull();
  });
});

describe("narrows", () => {
  it("is true for a first zoom and for a smaller range, false otherwise", () => {
    expect(narrows([0, 10], null)).toBe(true);
    expect(narrows([2, 10], [0, 10])).toBe(true);
    expect(narrows([0, 9], [0, 10])).toBe(true);
    expect(narrows([0, 10], [0, 10])).toBe(false);
    expect(narrows([-1, 11], [0, 10])).toBe(false);
  });
});

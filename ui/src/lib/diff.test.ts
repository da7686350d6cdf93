import { describe, expect, it } from "vitest";
import { asNumbers, diffMaps } from "./diff";

describe("diffMaps", () => {
  it("marks keys whose values differ and lists them first", () => {
    const rows = diffMaps([
      { lr: "0.1", epochs: "10", model: "rf" },
      { lr: "0.01", epochs: "10", model: "rf" },
      { lr: "0.1", epochs: "10" },
    ]);
    expect(rows.map((r) => [r.key, r.differs])).toEqual([["lr", true], ["model", true], ["epochs", false]]);
    expect(rows[1].values).toEqual(["rf", "rf", undefined]);
  });
  it("finds nothing to highlight when the runs agree", () => {
    expect(diffMaps([{ a: "1" }, { a: "1" }]).every((r) => !r.differs)).toBe(true);
  });
});

describe("asNumbers", () => {
  it("parses numeric columns and rejects mixed ones", () => {
    expect(asNumbers(["1", "2.5", undefined])).toEqual([1, 2.5, null]);
    expect(asNumbers(["1", "adam"])).toBeNull();
  });
});

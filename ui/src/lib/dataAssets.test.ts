import { describe, expect, it } from "vitest";
import { barHeights, cellText, dataFileUrl, delimiterFor, previewFile, sortVersions } from "./dataAssets";

describe("data asset helpers", () => {
  it("previews the first CSV or TSV file, never a folder or the MLTable file", () => {
    const f = (path: string, is_dir = false) => ({ path, is_dir, size: 1 });
    expect(previewFile([f("MLTable"), f("parts", true), f("parts/b.csv"), f("parts/a.csv")])?.path).toBe("parts/a.csv");
    expect(previewFile([f("model.pkl"), f("MLTable")])).toBeNull();
  });

  it("splits on the table's delimiter, else by extension", () => {
    expect(delimiterFor("x.tsv", null)).toBe("\t");
    expect(delimiterFor("x.csv", null)).toBe(",");
    expect(delimiterFor("x.csv", { format: "csv", delimiter: ";", header: true, encoding: "utf-8", query: null, datastore: null })).toBe(";");
  });

  it("shows table preview cells as text, missing values empty", () => {
    expect([cellText(null), cellText(undefined), cellText(0), cellText(1.5), cellText("nan"), cellText(false)]).toEqual(["", "", "0", "1.5", "nan", "false"]);
    expect(cellText([1, { a: "b" }])).toBe('[1,{"a":"b"}]');
  });

  it("scales histogram bars to the tallest bin", () => {
    expect(barHeights([2, 4, 0])).toEqual([0.5, 1, 0]);
    expect(barHeights([0, 0])).toEqual([0, 0]);
    expect(barHeights([])).toEqual([]);
  });

  it("orders versions newest first, numerically", () => {
    expect(sortVersions([{ version: "2" }, { version: "10" }, { version: "1" }]).map((v) => v.version)).toEqual(["10", "2", "1"]);
  });

  it("encodes each path segment of a file URL", () => {
    expect(dataFileUrl("iris data", "1", "a b/c.csv")).toBe("/api/v1/data/iris%20data/versions/1/files/a%20b/c.csv");
  });
});

import { describe, expect, it } from "vitest";
import { buildTree, previewKind } from "./artifacts";
import { parseCsv } from "./csv";
import { axisPosition, buildAxis } from "./parallel";

describe("parseCsv", () => {
  it("handles quotes, doubled quotes, embedded newlines and CRLF", () => {
    expect(parseCsv('a,b\r\n"x, y","say ""hi"""\n"multi\nline",2\n')).toEqual([
      ["a", "b"], ["x, y", 'say "hi"'], ["multi\nline", "2"],
    ]);
  });
  it("stops at maxRows and reads tabs for TSV", () => {
    expect(parseCsv("1\n2\n3\n", { maxRows: 2 })).toEqual([["1"], ["2"]]);
    expect(parseCsv("a\tb\n", { delimiter: "\t" })).toEqual([["a", "b"]]);
  });
});

describe("artifacts", () => {
  it("chooses a preview from the file name", () => {
    expect(previewKind("plots/loss.PNG")).toBe("image");
    expect(previewKind("conf/model.yml")).toBe("yaml");
    expect(previewKind("eval/preds.csv")).toBe("csv");
    expect(previewKind("model/MLmodel")).toBe("text");
    expect(previewKind("model.pkl")).toBe("binary");
  });
  it("builds a folder tree, folders first", () => {
    const tree = buildTree([
      { path: "z.txt", is_dir: false, size: 1 },
      { path: "eval/preds.csv", is_dir: false, size: 2 },
      { path: "eval/sub/deep.json", is_dir: false, size: 3 },
    ]);
    expect(tree.map((n) => n.name)).toEqual(["eval", "z.txt"]);
    expect(tree[0].children.map((n) => n.name)).toEqual(["sub", "preds.csv"]);
    expect(tree[0].children[0].children[0].path).toBe("eval/sub/deep.json");
  });
});

describe("parallel coordinates axes", () => {
  it("scales numbers linearly and spaces categories evenly", () => {
    const num = buildAxis("lr", ["0.1", "0.3", null]);
    expect(num.kind).toBe("numeric");
    expect(axisPosition(num, "0.3")).toBe(1);
    expect(axisPosition(num, null)).toBeNull();
    const cat = buildAxis("opt", ["sgd", "adam", "sgd"]);
    expect(cat).toEqual({ key: "opt", kind: "categorical", categories: ["adam", "sgd"] });
    expect(axisPosition(cat, "sgd")).toBe(1);
  });
});

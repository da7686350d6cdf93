import { describe, expect, it } from "vitest";
import { appendLog, atBottom, emptyLog, isTerminal, jobsPollInterval, keepJob, parseJobFilter, visibleLines } from "./logTail";

describe("appendLog", () => {
  it("joins a line split across chunks", () => {
    let s = appendLog(emptyLog(), "epoch 1 loss=0.");
    expect(s.lines).toEqual([]);
    expect(visibleLines(s)).toEqual(["epoch 1 loss=0."]);
    s = appendLog(s, "52\nepoch 2");
    expect(s.lines).toEqual(["epoch 1 loss=0.52"]);
    expect(s.partial).toBe("epoch 2");
    s = appendLog(s, "\n");
    expect(visibleLines(s)).toEqual(["epoch 1 loss=0.52", "epoch 2"]);
  });

  it("drops carriage returns of CRLF lines and keeps empty lines", () => {
    const s = appendLog(emptyLog(), "a\r\n\r\nb\n");
    expect(s.lines).toEqual(["a", "", "b"]);
  });

  it("keeps only the last lines and counts the dropped ones", () => {
    let s = emptyLog();
    for (let i = 0; i < 10; i++) s = appendLog(s, `line ${i}\n`, 4);
    expect(s.lines).toEqual(["line 6", "line 7", "line 8", "line 9"]);
    expect(s.dropped).toBe(6);
  });

  it("leaves the previous state unchanged", () => {
    const a = appendLog(emptyLog(), "x\n");
    appendLog(a, "y\n");
    expect(a.lines).toEqual(["x"]);
  });
});

describe("job status helpers", () => {
  it("knows which statuses are final", () => {
    expect(["Finished", "Failed", "Canceled"].every(isTerminal)).toBe(true);
    expect(isTerminal("Running")).toBe(false);
    expect(isTerminal("Queued")).toBe(false);
    expect(isTerminal(undefined)).toBe(false);
  });

  it("polls fast only while a job can still change", () => {
    expect(jobsPollInterval(["Finished", "Running"])).toBe(2000);
    expect(jobsPollInterval(["Finished", "Failed"])).toBe(15000);
    expect(jobsPollInterval([])).toBe(15000);
  });

  it("filters by status choice and ignores unknown choices", () => {
    expect(parseJobFilter("active")).toBe("active");
    expect(parseJobFilter("nonsense")).toBe("all");
    expect(parseJobFilter(null)).toBe("all");
    expect(keepJob("active", "Queued")).toBe(true);
    expect(keepJob("active", "Finished")).toBe(false);
    expect(keepJob("failed", "Canceled")).toBe(true);
    expect(keepJob("all", "Anything")).toBe(true);
  });

  it("follows the log only when scrolled to the bottom", () => {
    expect(atBottom({ scrollTop: 900, scrollHeight: 1000, clientHeight: 100 })).toBe(true);
    expect(atBottom({ scrollTop: 500, scrollHeight: 1000, clientHeight: 100 })).toBe(false);
  });
});

import { describe, expect, it } from "vitest";
import { durationMs, formatBytes, formatDuration, formatNumber, formatRelative } from "./format";

describe("formatDuration", () => {
  it("picks a unit a person reads at a glance", () => {
    expect(formatDuration(850)).toBe("850 ms");
    expect(formatDuration(4_250)).toBe("4.25 s");
    expect(formatDuration(12_300)).toBe("12.3 s");
    expect(formatDuration(245_000)).toBe("4m 05s");
    expect(formatDuration(7_380_000)).toBe("2h 03m");
    expect(formatDuration(3 * 86_400_000 + 4 * 3_600_000)).toBe("3d 4h");
  });
  it("shows a dash for unknown or negative durations", () => {
    expect(formatDuration(null)).toBe("—");
    expect(formatDuration(-5)).toBe("—");
  });
});

describe("durationMs", () => {
  it("measures a running run up to now", () => {
    const start = "2024-01-01T00:00:00Z";
    expect(durationMs(start, "2024-01-01T00:00:10Z")).toBe(10_000);
    expect(durationMs(start, null, Date.parse("2024-01-01T00:01:00Z"))).toBe(60_000);
    expect(durationMs(null, null)).toBeNull();
  });
});

describe("formatNumber", () => {
  it("keeps integers whole and rounds floats to significant digits", () => {
    expect(formatNumber(12345)).toBe("12,345");
    expect(formatNumber(0.962912345)).toBe("0.9629");
    expect(formatNumber(1.5e-7)).toBe("1.500e-7");
  });
  it("names non-finite values", () => {
    expect(formatNumber(NaN)).toBe("NaN");
    expect(formatNumber(Infinity)).toBe("∞");
    expect(formatNumber(undefined)).toBe("—");
  });
});

describe("formatRelative and formatBytes", () => {
  const now = Date.parse("2024-05-01T12:00:00Z");
  it("says how long ago", () => {
    expect(formatRelative("2024-05-01T11:59:50Z", now)).toBe("just now");
    expect(formatRelative("2024-05-01T11:55:00Z", now)).toBe("5 min ago");
    expect(formatRelative("2024-05-01T09:00:00Z", now)).toBe("3 h ago");
    expect(formatRelative("2024-04-29T12:00:00Z", now)).toBe("2 d ago");
  });
  it("sizes files", () => {
    expect(formatBytes(512)).toBe("512 B");
    expect(formatBytes(1536)).toBe("1.5 KB");
    expect(formatBytes(3 * 1024 * 1024)).toBe("3.0 MB");
  });
});

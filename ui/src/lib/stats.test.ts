import { describe, expect, it } from "vitest";
import {
  dayRangeToInstants,
  duration,
  instantsToDayRange,
  isoDay,
  labelIndexes,
  linePath,
  niceMax,
  parseDay,
  presetRange,
  ticks,
} from "./stats";

describe("periods", () => {
  const today = new Date(2026, 10, 26, 15, 30); // 26 Nov 2026, local

  it("presets count local days, today included", () => {
    expect(presetRange("7d", today)).toEqual({ from: "2026-11-20", to: "2026-11-26" });
    expect(presetRange("30d", today)).toEqual({ from: "2026-10-28", to: "2026-11-26" });
    expect(presetRange("this_month", today)).toEqual({ from: "2026-11-01", to: "2026-11-26" });
    expect(presetRange("last_month", today)).toEqual({ from: "2026-10-01", to: "2026-10-31" });
    expect(presetRange("last_month", new Date(2027, 0, 5))).toEqual({ from: "2026-12-01", to: "2026-12-31" });
    expect(presetRange("last_month", new Date(2028, 2, 31))).toEqual({ from: "2028-02-01", to: "2028-02-29" });
  });

  it("reads and writes days", () => {
    expect(isoDay(new Date(2026, 0, 5))).toBe("2026-01-05");
    expect(parseDay("2026-02-30")).toBeNull();
    expect(parseDay("26/11/2026")).toBeNull();
    expect(parseDay(" 2026-11-26 ")?.getDate()).toBe(26);
  });

  it("turns inclusive days into the core's [from, to) instants and back", () => {
    const r = dayRangeToInstants({ from: "2026-11-01", to: "2026-11-07" })!;
    expect(new Date(r.from).getDate()).toBe(1);
    expect(Date.parse(r.to) - Date.parse(r.from)).toBeGreaterThanOrEqual(7 * 86400_000 - 3600_000);
    expect(instantsToDayRange(r.from, r.to)).toEqual({ from: "2026-11-01", to: "2026-11-07" });
    expect(dayRangeToInstants({ from: "2026-11-07", to: "2026-11-01" })).toBeNull();
    expect(dayRangeToInstants({ from: "", to: "2026-11-01" })).toBeNull();
  });
});

describe("chart scales", () => {
  it("rounds the axis up to 1, 2 or 5 times a power of ten", () => {
    expect(niceMax(0)).toBe(1);
    expect(niceMax(1)).toBe(1);
    expect(niceMax(3)).toBe(5);
    expect(niceMax(7)).toBe(10);
    expect(niceMax(12)).toBe(20);
    expect(niceMax(480)).toBe(500);
  });

  it("gives whole ticks ending at the maximum", () => {
    expect(ticks(1)).toEqual([0, 1]);
    expect(ticks(2)).toEqual([0, 1, 2]);
    expect(ticks(5)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(ticks(10)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(ticks(20)).toEqual([0, 5, 10, 15, 20]);
    expect(ticks(200)).toEqual([0, 50, 100, 150, 200]);
    expect(ticks(500)).toEqual([0, 100, 200, 300, 400, 500]);
  });

  it("labels a few days, always the last", () => {
    expect(labelIndexes(7, 7)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(labelIndexes(30, 6)).toEqual([0, 5, 10, 15, 20, 29]);
    expect(labelIndexes(31, 6)).toEqual([0, 6, 12, 18, 24, 30]);
    expect(labelIndexes(1, 6)).toEqual([0]);
    expect(labelIndexes(0, 6)).toEqual([]);
  });

  it("draws a path", () => {
    expect(linePath([[0, 10], [5, 2.25]])).toBe("M0.0,10.0 L5.0,2.3");
  });
});

describe("durations", () => {
  it("reads like a person would say it", () => {
    expect(duration(0)).toBe("0 s");
    expect(duration(42)).toBe("42 s");
    expect(duration(300)).toBe("5 min");
    expect(duration(3900)).toBe("1 h 05 min");
    expect(duration(2 * 86400 + 3 * 3600)).toBe("2 d 3 h");
    expect(duration(2 * 86400 + 3 * 3600, "fr")).toBe("2 j 3 h");
  });
});

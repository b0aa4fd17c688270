// Periods, chart scales and durations for the statistics and backfill screens (pure, tested).

export type Preset = "7d" | "30d" | "this_month" | "last_month" | "custom";
export const presets: Preset[] = ["7d", "30d", "this_month", "last_month", "custom"];

export type DayRange = { from: string; to: string };

const pad = (n: number) => String(n).padStart(2, "0");

/** A local date as `YYYY-MM-DD`. */
export function isoDay(d: Date): string {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** `YYYY-MM-DD` to a local date at midnight (null when it is not a date). */
export function parseDay(s: string): Date | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s.trim());
  if (!m) return null;
  const d = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return d.getMonth() === Number(m[2]) - 1 && d.getDate() === Number(m[3]) ? d : null;
}

function addDays(d: Date, days: number): Date {
  return new Date(d.getFullYear(), d.getMonth(), d.getDate() + days);
}

/** The days of a preset, `today` included (local days). `custom` keeps the last 30 days. */
export function presetRange(preset: Preset, today: Date): DayRange {
  const day = new Date(today.getFullYear(), today.getMonth(), today.getDate());
  switch (preset) {
    case "7d":
      return { from: isoDay(addDays(day, -6)), to: isoDay(day) };
    case "this_month":
      return { from: isoDay(new Date(day.getFullYear(), day.getMonth(), 1)), to: isoDay(day) };
    case "last_month":
      return {
        from: isoDay(new Date(day.getFullYear(), day.getMonth() - 1, 1)),
        to: isoDay(new Date(day.getFullYear(), day.getMonth(), 0)),
      };
    case "30d":
    case "custom":
      return { from: isoDay(addDays(day, -29)), to: isoDay(day) };
  }
}

/** The window's offset from UTC in minutes (east positive), as the core's query takes it. */
export function localOffsetMinutes(at: Date = new Date()): number {
  return -at.getTimezoneOffset();
}

/**
 * Inclusive local days to the core's `[from, to)` instants: midnight of the first day, midnight
 * after the last. Null when a day is missing or the range is backwards.
 */
export function dayRangeToInstants(range: DayRange): { from: string; to: string } | null {
  const from = parseDay(range.from);
  const to = parseDay(range.to);
  if (!from || !to || to < from) return null;
  return { from: from.toISOString(), to: addDays(to, 1).toISOString() };
}

/** The inclusive local days of a `[from, to)` range of instants. */
export function instantsToDayRange(from: string, to: string): DayRange {
  return { from: isoDay(new Date(from)), to: isoDay(new Date(Date.parse(to) - 1)) };
}

/** A round axis maximum at or above `n`: 1, 2 or 5 times a power of ten (at least 1). */
export function niceMax(n: number): number {
  if (!(n > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(n));
  for (const step of [1, 2, 5, 10]) {
    if (step * power >= n) return step * power;
  }
  return 10 * power;
}

/**
 * Whole-number ticks from 0 to `max` (a `niceMax`): the smallest step of 1, 2 or 5 times a
 * power of ten that divides `max` into at most five parts.
 */
export function ticks(max: number): number[] {
  let step = 1;
  for (let power = 1; ; power *= 10) {
    const found = [1, 2, 5].map((k) => k * power).find((s) => max % s === 0 && max / s <= 5);
    if (found !== undefined || power > max) {
      step = found ?? max;
      break;
    }
  }
  const out: number[] = [];
  for (let v = 0; v <= max; v += step) out.push(v);
  return out;
}

/** Every `k`th index so that at most `most` labels are shown (the last one always). */
export function labelIndexes(n: number, most: number): number[] {
  if (n <= 0) return [];
  const every = Math.max(1, Math.ceil(n / Math.max(1, most)));
  const out: number[] = [];
  for (let i = 0; i < n; i += every) out.push(i);
  if (out[out.length - 1] !== n - 1) {
    // The last label stands at the end: the regular one before it gives way if they are close.
    if (n - 1 - out[out.length - 1] < every && out.length > 1) out.pop();
    out.push(n - 1);
  }
  return out;
}

/** An SVG path through the points. */
export function linePath(points: [number, number][]): string {
  return points.map(([x, y], i) => `${i === 0 ? "M" : "L"}${x.toFixed(1)},${y.toFixed(1)}`).join(" ");
}

/** "42 s", "5 min", "1 h 05 min", "2 d 3 h" ("2 j 3 h" in French). */
export function duration(seconds: number, locale = "en"): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const minutes = Math.round(s / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} h ${pad(minutes % 60)} min`;
  return `${Math.floor(hours / 24)} ${locale === "fr" ? "j" : "d"} ${hours % 24} h`;
}

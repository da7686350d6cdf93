/** Axes of a parallel-coordinates plot: numeric (linear) or categorical (evenly spaced). */

export type Axis =
  | { key: string; kind: "numeric"; min: number; max: number }
  | { key: string; kind: "categorical"; categories: string[] };

/**
 * Builds an axis from the values of one column across runs. Numbers when every present
 * value is numeric, categories otherwise.
 */
export function buildAxis(key: string, values: (string | number | null | undefined)[]): Axis {
  const present = values.filter((v): v is string | number => v != null && v !== "");
  const nums = present.map((v) => (typeof v === "number" ? v : Number(v)));
  if (present.length > 0 && nums.every(Number.isFinite)) {
    let min = Math.min(...nums);
    let max = Math.max(...nums);
    if (min === max) {
      min -= 0.5;
      max += 0.5;
    }
    return { key, kind: "numeric", min, max };
  }
  const categories = [...new Set(present.map(String))].sort();
  return { key, kind: "categorical", categories };
}

/** Position of a value on an axis, 0 (bottom) to 1 (top); null when missing or unknown. */
export function axisPosition(axis: Axis, v: string | number | null | undefined): number | null {
  if (v == null || v === "") return null;
  if (axis.kind === "numeric") {
    const n = typeof v === "number" ? v : Number(v);
    if (!Number.isFinite(n)) return null;
    return (n - axis.min) / (axis.max - axis.min);
  }
  const i = axis.categories.indexOf(String(v));
  if (i < 0) return null;
  return axis.categories.length === 1 ? 0.5 : i / (axis.categories.length - 1);
}

/** Tick labels for an axis: five evenly spaced numbers, or every category. */
export function axisTicks(axis: Axis): { pos: number; label: string }[] {
  if (axis.kind === "categorical") {
    return axis.categories.map((c, i) => ({
      pos: axis.categories.length === 1 ? 0.5 : i / (axis.categories.length - 1),
      label: c,
    }));
  }
  return [0, 0.25, 0.5, 0.75, 1].map((p) => ({
    pos: p,
    label: String(Number((axis.min + p * (axis.max - axis.min)).toPrecision(3))),
  }));
}

/**
 * Zooming a step chart into real detail: the server downsamples a long history to a few
 * thousand points, so a zoomed view asks it again for just the selected steps
 * (`min_step`/`max_step`), which come back whole once few enough.
 */

/** An inclusive range of whole steps. */
export type StepRange = [number, number];

/**
 * The whole steps inside an x selection (in step units, either order): null when it holds
 * none (a click, or a drag between two steps) or is not finite.
 */
export function stepRange(a: number, b: number): StepRange | null {
  if (!Number.isFinite(a) || !Number.isFinite(b)) return null;
  const lo = Math.ceil(Math.min(a, b));
  const hi = Math.floor(Math.max(a, b));
  return lo <= hi ? [lo, hi] : null;
}

/** Whether a zoomed view can show more than the range already drawn (not a no-op zoom). */
export function narrows(range: StepRange, current: StepRange | null | undefined): boolean {
  if (!current) return true;
  return range[0] > current[0] || range[1] < current[1];
}

/**
 * Client-side downsampling for drawing. The server already downsamples long histories
 * (max_points); this keeps several overlaid series, or a chart narrower than the server
 * assumed, within about one point per pixel while keeping every spike.
 */

/**
 * Min/max buckets: splits the x range into `buckets` equal slices and keeps, in order,
 * the first, minimum, maximum and last point of each. Returns the input when it is small.
 * `xs` must be sorted ascending.
 */
export function minMaxDownsample(
  xs: ArrayLike<number>,
  ys: ArrayLike<number>,
  buckets: number,
): { xs: number[]; ys: number[] } {
  const n = xs.length;
  if (n <= buckets * 4 || buckets < 1) return { xs: Array.from(xs), ys: Array.from(ys) };
  const x0 = xs[0];
  const span = xs[n - 1] - x0 || 1;
  const ox: number[] = [];
  const oy: number[] = [];
  let i = 0;
  for (let b = 0; b < buckets && i < n; b++) {
    const hi = b === buckets - 1 ? Infinity : x0 + (span * (b + 1)) / buckets;
    const start = i;
    let minI = -1;
    let maxI = -1;
    while (i < n && xs[i] < hi) {
      const y = ys[i];
      if (Number.isFinite(y)) {
        if (minI < 0 || y < ys[minI]) minI = i;
        if (maxI < 0 || y > ys[maxI]) maxI = i;
      }
      i++;
    }
    if (i === start) continue;
    const keep = new Set<number>([start, i - 1]);
    if (minI >= 0) keep.add(minI);
    if (maxI >= 0) keep.add(maxI);
    for (const k of [...keep].sort((a, b2) => a - b2)) {
      ox.push(xs[k]);
      oy.push(ys[k]);
    }
  }
  return { xs: ox, ys: oy };
}

/**
 * Aligns several series on the union of their x values, as uPlot wants
 * ([xs, ys1, ys2, ...]); a series without a point at some x gets null there.
 */
export function alignSeries(series: { xs: ArrayLike<number>; ys: ArrayLike<number> }[]): {
  xs: number[];
  ys: (number | null)[][];
} {
  const all = new Set<number>();
  for (const s of series) for (let i = 0; i < s.xs.length; i++) all.add(s.xs[i]);
  const xs = [...all].sort((a, b) => a - b);
  const index = new Map<number, number>();
  xs.forEach((x, i) => index.set(x, i));
  const ys = series.map((s) => {
    const out = new Array<number | null>(xs.length).fill(null);
    for (let i = 0; i < s.xs.length; i++) out[index.get(s.xs[i])!] = s.ys[i];
    return out;
  });
  return { xs, ys };
}

/**
 * Exponential moving average with debiasing, as TensorBoard draws it: with weight w in
 * [0, 1), s_t = w * s_{t-1} + (1 - w) * y_t, divided by (1 - w^t) so early points are
 * not pulled toward zero. Non-finite values pass through and do not poison the average.
 */
export function smoothEma(ys: ArrayLike<number>, weight: number): number[] {
  const w = Math.min(Math.max(weight, 0), 0.999);
  const out = new Array<number>(ys.length);
  if (w === 0) {
    for (let i = 0; i < ys.length; i++) out[i] = ys[i];
    return out;
  }
  let last = 0;
  let n = 0;
  for (let i = 0; i < ys.length; i++) {
    const y = ys[i];
    if (!Number.isFinite(y)) {
      out[i] = y;
      continue;
    }
    last = last * w + (1 - w) * y;
    n++;
    out[i] = last / (1 - Math.pow(w, n));
  }
  return out;
}

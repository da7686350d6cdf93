/** Comparing runs: which params (or tags) differ between them. */

export interface DiffRow {
  key: string;
  /** One value per run, in run order; undefined where the run has no such key. */
  values: (string | undefined)[];
  /** True when not every run has the same value (a missing key counts as a value). */
  differs: boolean;
}

/**
 * One row per key found in any run, sorted with differing keys first, then by name.
 */
export function diffMaps(maps: Record<string, string>[]): DiffRow[] {
  const keys = new Set<string>();
  for (const m of maps) for (const k of Object.keys(m)) keys.add(k);
  const rows: DiffRow[] = [...keys].map((key) => {
    const values = maps.map((m) => (Object.prototype.hasOwnProperty.call(m, key) ? m[key] : undefined));
    const differs = values.some((v) => v !== values[0]);
    return { key, values, differs };
  });
  rows.sort((a, b) => Number(b.differs) - Number(a.differs) || a.key.localeCompare(b.key));
  return rows;
}

/** Numbers when every present value parses as one; used to pick numeric axes. */
export function asNumbers(values: (string | number | undefined | null)[]): (number | null)[] | null {
  const out: (number | null)[] = [];
  for (const v of values) {
    if (v == null || v === "") {
      out.push(null);
      continue;
    }
    const n = typeof v === "number" ? v : Number(v);
    if (!Number.isFinite(n)) return null;
    out.push(n);
  }
  return out;
}

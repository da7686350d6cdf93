"""Data profiling: Modelyard's streamed profile vs pandas ``read_csv().describe()``.

Generates a CSV (default 2,000,000 rows x 20 columns: 12 float columns with ~1 % missing,
4 integer, 4 categorical), then profiles it in fresh subprocesses, interleaved so both see
the same machine load. Each child first runs its side once on a 1,000-row copy (so lazy
imports are paid outside the timing, on both sides), then reports the wall time and CPU
time of the work and its peak RSS (imports included, both sides). Each side runs
``--repeat`` times; medians are reported, with the load average before and after.

    .venv/bin/python benchmarks/data.py            # 2,000,000 rows
    .venv/bin/python benchmarks/data.py --rows 200000 --repeat 5

Targets (issue 4): ours at least 2x faster and 3x less memory than pandas, under 1 GB.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

_CHILD = r"""
import json, os, resource, sys, time
which, path, warm = sys.argv[1], sys.argv[2], sys.argv[3]
def peak_mb():
    # VmHWM is this process's own peak; getrusage's ru_maxrss is not: Linux carries it over
    # from the parent's RSS at fork through exec (the parent holds the generated data)
    with open("/proc/self/status") as f:
        return next(int(l.split()[1]) for l in f if l.startswith("VmHWM:")) / 1024
if which == "ours":
    from modelyard.data.entities import TableFormat, TableSpec
    from modelyard.data.profile import profile_files
    spec = TableSpec(format=TableFormat.CSV)
    def work(p):
        return profile_files([p], spec).row_count
else:
    import pandas as pd
    def work(p):
        frame = pd.read_csv(p)
        frame.describe(include="all")
        return len(frame)
work(warm)
cpu0, t0 = os.times(), time.perf_counter()
rows = work(path)
seconds = time.perf_counter() - t0
cpu1 = os.times()
print(json.dumps({"rows": rows, "seconds": seconds,
                  "cpu": (cpu1.user + cpu1.system) - (cpu0.user + cpu0.system),
                  "peak_mb": peak_mb()}))
"""


def generate(path: Path, rows: int, cols: int = 20, seed: int = 0, chunk: int = 200_000) -> None:
    import numpy as np

    rng = np.random.default_rng(seed)
    cats = np.array(["red", "green", "blue", "yellow", "black"])
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(",".join(f"c{i:02d}" for i in range(cols)) + "\n")
        done = 0
        while done < rows:
            n = min(chunk, rows - done)
            parts = []
            for i in range(cols):
                if i % 5 == 3:
                    parts.append(cats[rng.integers(0, 5, n)].astype(object))
                elif i % 5 == 4:
                    parts.append(rng.integers(0, 1000, n).astype(str).astype(object))
                else:
                    v = np.round(rng.normal(i, 1 + i, n), 4).astype(str).astype(object)
                    v[rng.random(n) < 0.01] = ""
                    parts.append(v)
            fh.write("\n".join(",".join(r) for r in zip(*parts, strict=True)) + "\n")
            done += n


def measure(which: str, path: Path, warm: Path) -> dict:
    out = subprocess.run([sys.executable, "-c", _CHILD, which, str(path), str(warm)],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--csv", type=Path, help="profile this generated file instead of a new one")
    args = parser.parse_args()
    import duckdb
    import numpy
    import pandas
    import pyarrow

    with tempfile.TemporaryDirectory() as tmp:
        path = args.csv or Path(tmp) / "table.csv"
        if args.csv is None:
            t0 = time.perf_counter()
            generate(path, args.rows)
            print(f"generated {args.rows:,} rows x 20 columns in {time.perf_counter() - t0:.1f}s")
        warm = Path(tmp) / "warm.csv"
        with open(path, encoding="utf-8") as src:
            warm.write_text("".join(next(src) for _ in range(1001)), encoding="utf-8")
        print(f"file: {path.stat().st_size / 1e6:.0f} MB; load average before: {_load()}")
        results: dict[str, list[dict]] = {"ours": [], "pandas": []}
        for _ in range(args.repeat):
            for which in ("ours", "pandas"):  # interleaved: both see the same machine load
                results[which].append(measure(which, path, warm))
                r = results[which][-1]
                print(f"  {which:6} {r['seconds']:6.2f} s wall  {r['cpu']:6.2f} s CPU  "
                      f"{r['peak_mb']:5.0f} MB  (load {_load()})")
    med = {k: {m: statistics.median(r[m] for r in v) for m in ("seconds", "cpu", "peak_mb")}
           for k, v in results.items()}
    ours, peer = med["ours"], med["pandas"]
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, {platform.system()} "
          f"{platform.release()}, python {platform.python_version()}, duckdb {duckdb.__version__}, "
          f"pyarrow {pyarrow.__version__}, numpy {numpy.__version__}, pandas {pandas.__version__}")
    print(f"medians of {args.repeat}   {'wall (s)':>9} {'CPU (s)':>8} {'peak RSS (MB)':>14}")
    for label, m in (("modelyard profile", ours), ("pandas read_csv().describe()", peer)):
        print(f"{label:28} {m['seconds']:>9.2f} {m['cpu']:>8.2f} {m['peak_mb']:>14.0f}")
    print(f"speed-up: {peer['seconds'] / ours['seconds']:.2f}x wall (target >= 2x), "
          f"{peer['cpu'] / ours['cpu']:.2f}x CPU; "
          f"memory: {peer['peak_mb'] / ours['peak_mb']:.2f}x less (target >= 3x); "
          f"ours under 1 GB: {'yes' if ours['peak_mb'] < 1024 else 'NO'}; load after: {_load()}")


if __name__ == "__main__":
    main()

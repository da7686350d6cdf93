"""Data profiling: Modelyard's streamed profile vs pandas ``read_csv().describe()``.

Generates a CSV (default 2,000,000 rows x 20 columns: 12 float columns with ~1 % missing,
4 integer, 4 categorical), then profiles it in fresh subprocesses, each reporting the
wall time of the work (imports excluded, both sides) and its peak RSS (imports included,
both sides). Each side runs ``--repeat`` times; the best time and the lowest peak are kept.

    .venv/bin/python benchmarks/data.py            # 2,000,000 rows
    .venv/bin/python benchmarks/data.py --rows 200000

Targets (issue 4): ours at least 2x faster and 3x less memory than pandas, under 1 GB.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

_CHILD = r"""
import json, resource, sys, time
which, path = sys.argv[1], sys.argv[2]
if which == "ours":
    from modelyard.data.entities import TableFormat, TableSpec
    from modelyard.data.profile import duckdb_connection, profile_files
    import numpy, pyarrow, pyarrow.compute
    duckdb_connection().close()
    t0 = time.perf_counter()
    profile = profile_files([path], TableSpec(format=TableFormat.CSV))
    rows = profile.row_count
else:
    import pandas as pd
    t0 = time.perf_counter()
    frame = pd.read_csv(path)
    frame.describe(include="all")
    rows = len(frame)
seconds = time.perf_counter() - t0
print(json.dumps({"rows": rows, "seconds": seconds,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
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


def measure(which: str, path: Path) -> dict:
    out = subprocess.run([sys.executable, "-c", _CHILD, which, str(path)],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    import duckdb
    import pandas
    import pyarrow

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "table.csv"
        t0 = time.perf_counter()
        generate(path, args.rows)
        size_mb = path.stat().st_size / 1e6
        print(f"generated {args.rows:,} rows x 20 columns ({size_mb:.0f} MB) in {time.perf_counter() - t0:.1f}s")
        results: dict[str, list[dict]] = {"ours": [], "pandas": []}
        for _ in range(args.repeat):
            for which in ("ours", "pandas"):  # interleaved: both see the same machine load
                results[which].append(measure(which, path))
    best = {k: {"seconds": min(r["seconds"] for r in v), "peak_mb": min(r["peak_mb"] for r in v)}
            for k, v in results.items()}
    ours, peer = best["ours"], best["pandas"]
    print(f"machine: {platform.machine()}, {platform.system()} {platform.release()}, "
          f"python {platform.python_version()}, duckdb {duckdb.__version__}, "
          f"pyarrow {pyarrow.__version__}, pandas {pandas.__version__}")
    print(f"{'':28} {'time (s)':>10} {'peak RSS (MB)':>14}")
    print(f"{'modelyard profile':28} {ours['seconds']:>10.2f} {ours['peak_mb']:>14.0f}")
    print(f"{'pandas read_csv().describe()':28} {peer['seconds']:>10.2f} {peer['peak_mb']:>14.0f}")
    print(f"speed-up: {peer['seconds'] / ours['seconds']:.2f}x (target >= 2x); "
          f"memory: {peer['peak_mb'] / ours['peak_mb']:.2f}x less (target >= 3x); "
          f"ours under 1 GB: {'yes' if ours['peak_mb'] < 1024 else 'NO'}")


if __name__ == "__main__":
    main()

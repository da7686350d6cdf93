"""Small helpers shared by the data tests."""

from __future__ import annotations

from pathlib import Path


def write_csv(path: Path, rows: list[list[object]], header: list[str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [",".join(header)] + [",".join("" if v is None else str(v) for v in r) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def generate_csv(path: Path, rows: int, *, cols: int = 20, seed: int = 0, chunk: int = 50_000) -> Path:
    """A numeric/categorical CSV with about 1 % missing values, written in chunks."""
    import numpy as np

    rng = np.random.default_rng(seed)
    names = [f"c{i:02d}" for i in range(cols)]
    cats = np.array(["red", "green", "blue", "yellow", "black"])
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(",".join(names) + "\n")
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
                    values = np.round(rng.normal(i, 1 + i, n), 4).astype(str).astype(object)
                    values[rng.random(n) < 0.01] = ""
                    parts.append(values)
            fh.write("\n".join(",".join(r) for r in zip(*parts, strict=True)) + "\n")
            done += n
    return path

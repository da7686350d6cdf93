/** Parallel coordinates in SVG: one vertical axis per param or metric, one line per run. */
import { useState } from "react";
import { axisPosition, axisTicks, buildAxis } from "../../lib/parallel";

export interface PcRun {
  id: string;
  label: string;
  color: string;
  values: Record<string, string | number | null | undefined>;
}

const W = 1000;
const H = 340;
const PAD = { top: 34, bottom: 26, left: 60, right: 60 };

export function ParallelCoordinates({ runs, axes }: { runs: PcRun[]; axes: string[] }) {
  const [hover, setHover] = useState<string | null>(null);
  if (axes.length < 2) return null;
  const built = axes.map((k) => buildAxis(k, runs.map((r) => r.values[k])));
  const x = (i: number) => PAD.left + (i * (W - PAD.left - PAD.right)) / (axes.length - 1);
  const y = (p: number) => PAD.top + (1 - p) * (H - PAD.top - PAD.bottom);
  return (
    <svg viewBox={`0 0 ${W} ${H}`} className="pc" role="img" aria-label="Parallel coordinates of the compared runs" data-testid="parallel-coordinates">
      {built.map((axis, i) => (
        <g key={axis.key} transform={`translate(${x(i)},0)`}>
          <line y1={y(0)} y2={y(1)} className="pc-axis" />
          <text y={PAD.top - 14} textAnchor="middle" className="pc-title">{axis.key.length > 22 ? axis.key.slice(0, 21) + "…" : axis.key}</text>
          {axisTicks(axis).map((t) => (
            <g key={t.label + t.pos} transform={`translate(0,${y(t.pos)})`}>
              <line x1={-4} x2={0} className="pc-axis" />
              <text x={-7} dy="0.32em" textAnchor="end" className="pc-tick">{t.label.length > 10 ? t.label.slice(0, 9) + "…" : t.label}</text>
            </g>
          ))}
        </g>
      ))}
      {runs.map((r) => {
        const pts = built
          .map((axis, i) => {
            const p = axisPosition(axis, r.values[axis.key]);
            return p == null ? null : `${x(i)},${y(p)}`;
          })
          .filter(Boolean);
        const dim = hover && hover !== r.id;
        return (
          <polyline key={r.id} points={pts.join(" ")} fill="none" stroke={r.color} strokeWidth={hover === r.id ? 3.5 : 2.2}
            opacity={dim ? 0.15 : 0.9} onMouseEnter={() => setHover(r.id)} onMouseLeave={() => setHover(null)} style={{ cursor: "pointer" }}>
            <title>{r.label}</title>
          </polyline>
        );
      })}
    </svg>
  );
}

/** X axis, smoothing and log-scale controls, kept in the URL (`x`, `smooth`, `log`). */
import { useSearchParams } from "react-router";
import type { XMode } from "./MetricChart";

export interface ChartSettings {
  xMode: XMode;
  smoothing: number;
  logY: boolean;
}

export function useChartSettings(): [ChartSettings, (patch: Partial<ChartSettings>) => void] {
  const [sp, setSp] = useSearchParams();
  const x = sp.get("x");
  const xMode: XMode = x === "time" || x === "relative" ? x : "step";
  const smoothing = Math.min(0.99, Math.max(0, Number(sp.get("smooth") ?? 0) || 0));
  const logY = sp.get("log") === "1";
  const set = (patch: Partial<ChartSettings>) =>
    setSp((cur) => {
      const n = new URLSearchParams(cur);
      if (patch.xMode !== undefined) (patch.xMode === "step" ? n.delete("x") : n.set("x", patch.xMode));
      if (patch.smoothing !== undefined) (patch.smoothing > 0 ? n.set("smooth", String(patch.smoothing)) : n.delete("smooth"));
      if (patch.logY !== undefined) (patch.logY ? n.set("log", "1") : n.delete("log"));
      return n;
    }, { replace: true });
  return [{ xMode, smoothing, logY }, set];
}

export function ChartControls({ value, onChange }: { value: ChartSettings; onChange: (p: Partial<ChartSettings>) => void }) {
  const modes: [XMode, string][] = [["step", "Step"], ["time", "Time"], ["relative", "Relative"]];
  return (
    <div className="chart-controls" data-testid="chart-controls">
      <label>
        X axis
        <span className="segmented" role="group" aria-label="X axis">
          {modes.map(([m, label]) => (
            <button key={m} className={value.xMode === m ? "on" : ""} onClick={() => onChange({ xMode: m })} aria-pressed={value.xMode === m}>{label}</button>
          ))}
        </span>
      </label>
      <label>
        Smoothing
        <input type="range" min={0} max={0.99} step={0.01} value={value.smoothing} aria-label="Smoothing"
          onChange={(e) => onChange({ smoothing: Number(e.target.value) })} style={{ width: 140 }} />
        <span className="num mono" style={{ width: 32 }}>{value.smoothing.toFixed(2)}</span>
      </label>
      <label>
        <input type="checkbox" checked={value.logY} onChange={(e) => onChange({ logY: e.target.checked })} />
        Log scale
      </label>
    </div>
  );
}

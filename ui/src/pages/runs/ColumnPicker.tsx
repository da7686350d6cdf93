/** Chooses which metric, param and tag columns the runs table shows. */
import { useEffect, useRef, useState } from "react";
import { ColumnsIcon } from "../../components/Icons";

export function ColumnPicker({ available, chosen, onChange }: {
  available: { metrics: string[]; params: string[]; tags: string[] };
  chosen: string[];
  onChange: (cols: string[]) => void;
}) {
  const [open, setOpen] = useState(false);
  const [q, setQ] = useState("");
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!open) return;
    const close = (e: MouseEvent) => { if (!ref.current?.contains(e.target as Node)) setOpen(false); };
    const esc = (e: KeyboardEvent) => { if (e.key === "Escape") setOpen(false); };
    document.addEventListener("mousedown", close);
    document.addEventListener("keydown", esc);
    return () => { document.removeEventListener("mousedown", close); document.removeEventListener("keydown", esc); };
  }, [open]);
  const toggle = (col: string) => onChange(chosen.includes(col) ? chosen.filter((c) => c !== col) : [...chosen, col]);
  const needle = q.toLowerCase();
  const groups: [string, string, string[]][] = [
    ["Metrics", "metrics", available.metrics],
    ["Params", "params", available.params],
    ["Tags", "tags", available.tags],
  ];
  return (
    <div className="popover" ref={ref}>
      <button className="btn" onClick={() => setOpen((o) => !o)} aria-expanded={open} data-testid="columns-button">
        <ColumnsIcon /> Columns <span className="faint">{chosen.length}</span>
      </button>
      {open && (
        <div className="popover-panel" role="dialog" aria-label="Columns">
          <input className="input" style={{ width: "100%", marginBottom: 4 }} placeholder="Find a key" value={q}
            autoFocus onChange={(e) => setQ(e.target.value)} />
          {groups.map(([title, group, keys]) => {
            const shown = keys.filter((k) => k.toLowerCase().includes(needle));
            if (shown.length === 0) return null;
            return (
              <div key={group}>
                <div className="group-title">{title}</div>
                {shown.map((k) => {
                  const col = `${group}.${k}`;
                  return (
                    <label key={col} className="check-row">
                      <input type="checkbox" checked={chosen.includes(col)} onChange={() => toggle(col)} />
                      <span className="ellipsis">{k}</span>
                    </label>
                  );
                })}
              </div>
            );
          })}
          {groups.every(([, , keys]) => keys.length === 0) && <div className="faint" style={{ padding: 8 }}>No params, metrics or tags in the loaded runs.</div>}
        </div>
      )}
    </div>
  );
}

/**
 * The virtualized runs table: sticky header, server-side sort by clicking a header,
 * checkbox multi-select (shift-click for ranges), keyboard navigation
 * (Up/Down/PageUp/PageDown/Home/End move, Space selects, Enter opens), and more pages
 * loaded as the end comes into view.
 */
import { useVirtualizer } from "@tanstack/react-virtual";
import { useEffect, useRef, useState, type KeyboardEvent } from "react";
import { Link, useNavigate } from "react-router";
import { toFloat, type Run } from "../../api/types";
import { ArrowDown, ArrowUp } from "../../components/Icons";
import { Spinner } from "../../components/States";
import { StatusBadge } from "../../components/StatusBadge";
import { durationMs, formatDateTime, formatDuration, formatNumber, formatRelative } from "../../lib/format";
import { DEFAULT_SORT, selectRange, splitColumn, toggleSelected, type SortDir } from "../../lib/runsQuery";

const ROW_H = 34;

interface Props {
  runs: Run[];
  columns: string[];
  sort: string | null;
  dir: SortDir;
  onSort: (col: string) => void;
  selected: string[];
  onSelect: (ids: string[]) => void;
  hasMore: boolean;
  loadingMore: boolean;
  onLoadMore: () => void;
}

const FIXED = [
  { col: "attributes.name", label: "Run", width: "minmax(200px, 2fr)" },
  { col: "attributes.status", label: "Status", width: "110px" },
  { col: "attributes.start_time", label: "Started", width: "120px" },
  { col: "duration", label: "Duration", width: "96px", noSort: true, numeric: true },
];

export function cellValue(run: Run, col: string): { text: string; num?: number; title?: string } {
  const { group, key } = splitColumn(col);
  if (group === "metrics") {
    const m = run.metrics[key];
    if (!m) return { text: "" };
    const v = toFloat(m.latest);
    return { text: formatNumber(v), num: v, title: `latest ${m.latest} (step ${m.latest_step}) · min ${m.min} · max ${m.max}` };
  }
  if (group === "params") return { text: run.params[key] ?? "", title: run.params[key] };
  if (group === "tags") return { text: run.tags[key] ?? "", title: run.tags[key] };
  return { text: "" };
}

export function RunsTable(p: Props) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const [active, setActive] = useState(0);
  const [anchor, setAnchor] = useState<string | null>(null);
  const navigate = useNavigate();
  const order = p.runs.map((r) => r.id);

  const virt = useVirtualizer({
    count: p.runs.length + (p.hasMore ? 1 : 0),
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_H,
    overscan: 12,
  });
  const items = virt.getVirtualItems();
  const lastIndex = items.length ? items[items.length - 1].index : 0;
  useEffect(() => {
    if (p.hasMore && !p.loadingMore && lastIndex >= p.runs.length - 10) p.onLoadMore();
  }, [lastIndex, p.hasMore, p.loadingMore, p.runs.length, p.onLoadMore, p]);
  useEffect(() => {
    if (active >= p.runs.length) setActive(Math.max(0, p.runs.length - 1));
  }, [p.runs.length, active]);

  const template = [
    "40px",
    ...FIXED.map((f) => f.width),
    ...p.columns.map((c) => (splitColumn(c).group === "metrics" ? "minmax(110px, 1fr)" : "minmax(110px, 1fr)")),
  ].join(" ");

  const allSelected = p.runs.length > 0 && p.runs.every((r) => p.selected.includes(r.id));
  const toggleAll = () => p.onSelect(allSelected ? [] : [...new Set([...p.selected, ...order])]);

  const move = (to: number) => {
    const i = Math.max(0, Math.min(p.runs.length - 1, to));
    setActive(i);
    virt.scrollToIndex(i, { align: "auto" });
  };
  const onKey = (e: KeyboardEvent<HTMLDivElement>) => {
    if ((e.target as HTMLElement).tagName === "INPUT" && e.key !== "ArrowDown" && e.key !== "ArrowUp") return;
    const page = Math.max(1, Math.floor((scrollRef.current?.clientHeight ?? 400) / ROW_H) - 1);
    const run = p.runs[active];
    switch (e.key) {
      case "ArrowDown": case "j": move(active + 1); break;
      case "ArrowUp": case "k": move(active - 1); break;
      case "PageDown": move(active + page); break;
      case "PageUp": move(active - page); break;
      case "Home": move(0); break;
      case "End": move(p.runs.length - 1); break;
      case " ": case "x":
        if (run) { p.onSelect(toggleSelected(p.selected, run.id)); setAnchor(run.id); }
        break;
      case "Enter": if (run) navigate(`/runs/${run.id}`); break;
      case "a":
        if (e.metaKey || e.ctrlKey) toggleAll();
        else return;
        break;
      default: return;
    }
    e.preventDefault();
  };

  const header = (col: string, label: string, opts: { noSort?: boolean; numeric?: boolean } = {}) => {
    const sorted = (p.sort ?? DEFAULT_SORT) === col;
    const cls = `th ${opts.numeric ? "num" : ""} ${sorted ? "sorted" : ""} ${opts.noSort ? "" : "sortable"}`;
    if (opts.noSort) return <div key={col} className={cls} role="columnheader">{label}</div>;
    return (
      <div key={col} className={cls} role="columnheader" aria-sort={sorted ? (p.dir === "asc" ? "ascending" : "descending") : "none"}>
        <button onClick={() => p.onSort(col)} title={`Sort by ${label}`} data-col={col}>
          <span className="ellipsis">{label}</span>
          {sorted && (p.dir === "asc" ? <ArrowUp size={13} /> : <ArrowDown size={13} />)}
        </button>
      </div>
    );
  };

  return (
    <div className="runs-table" role="grid" aria-rowcount={p.runs.length} aria-multiselectable="true">
      <div ref={scrollRef} className="runs-scroll" tabIndex={0} onKeyDown={onKey} data-testid="runs-table"
        aria-activedescendant={p.runs[active] ? `row-${p.runs[active].id}` : undefined}>
        <div className="runs-head" style={{ gridTemplateColumns: template }} role="row">
          <div className="th check">
            <input type="checkbox" aria-label="Select all loaded runs" checked={allSelected} onChange={toggleAll} />
          </div>
          {FIXED.map((f) => header(f.col, f.label, f))}
          {p.columns.map((c) => {
            const { group, key } = splitColumn(c);
            return header(c, key, { numeric: group === "metrics" });
          })}
        </div>
        <div style={{ height: virt.getTotalSize(), position: "relative" }}>
          {items.map((vi) => {
            const run = p.runs[vi.index];
            if (!run) {
              return (
                <div key="more" className="runs-row more" style={{ transform: `translateY(${vi.start}px)` }}>
                  {p.loadingMore ? <><Spinner /> Loading more runs…</> : <button className="btn sm" onClick={p.onLoadMore}>Load more</button>}
                </div>
              );
            }
            const isSel = p.selected.includes(run.id);
            return (
              <div key={run.id} id={`row-${run.id}`} role="row" aria-selected={isSel} data-run-id={run.id}
                className={`runs-row ${isSel ? "selected" : ""} ${vi.index === active ? "active" : ""}`}
                style={{ gridTemplateColumns: template, transform: `translateY(${vi.start}px)` }}
                onMouseDown={() => setActive(vi.index)}>
                <div className="td check">
                  <input type="checkbox" aria-label={`Select ${run.name}`} checked={isSel}
                    onClick={(e) => {
                      e.stopPropagation();
                      const next = e.shiftKey ? selectRange(p.selected, order, anchor, run.id) : toggleSelected(p.selected, run.id);
                      p.onSelect(next);
                      setAnchor(run.id);
                    }}
                    onChange={() => {}} />
                </div>
                <div className="td name">
                  <Link to={`/runs/${run.id}`} tabIndex={-1} className="ellipsis">{run.name || run.id}</Link>
                  {run.parent_id && <span className="faint" title="Child run">↳</span>}
                </div>
                <div className="td"><StatusBadge status={run.status} /></div>
                <div className="td muted" title={formatDateTime(run.start_time ?? run.created_at)}>{formatRelative(run.start_time ?? run.created_at)}</div>
                <div className="td num">{formatDuration(durationMs(run.start_time, run.end_time))}</div>
                {p.columns.map((c) => {
                  const v = cellValue(run, c);
                  return <div key={c} className={`td ${v.num !== undefined ? "num" : ""}`} title={v.title}><span className="ellipsis">{v.text}</span></div>;
                })}
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}

/** Tabs whose selection lives in the URL (`?tab=`), so a link opens the same tab. */
import type { ReactNode } from "react";
import { Link, useLocation, useSearchParams } from "react-router";

export interface TabDef {
  id: string;
  label: ReactNode;
  count?: number;
}

export function useTab(tabs: TabDef[], param = "tab"): string {
  const [sp] = useSearchParams();
  const t = sp.get(param);
  return tabs.some((x) => x.id === t) ? (t as string) : tabs[0].id;
}

export function Tabs({ tabs, active, param = "tab" }: { tabs: TabDef[]; active: string; param?: string }) {
  const loc = useLocation();
  return (
    <div className="tabs" role="tablist">
      {tabs.map((t, i) => {
        // Each tab keeps only the tab itself in the URL: per-tab state starts fresh.
        const sp = new URLSearchParams(loc.search);
        for (const k of [...sp.keys()]) if (k !== param && k !== "runs") sp.delete(k);
        if (i === 0) sp.delete(param);
        else sp.set(param, t.id);
        const qs = sp.toString();
        return (
          <Link key={t.id} role="tab" aria-selected={active === t.id} className={`tab ${active === t.id ? "active" : ""}`}
            to={{ pathname: loc.pathname, search: qs ? `?${qs}` : "" }} replace>
            {t.label}
            {t.count != null && <span className="count">{t.count}</span>}
          </Link>
        );
      })}
    </div>
  );
}

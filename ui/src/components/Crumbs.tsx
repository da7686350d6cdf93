/** Breadcrumbs: a page declares its trail; the top bar shows it. */
import { createContext, useContext, useEffect, useState, type ReactNode } from "react";
import { Link } from "react-router";

export interface Crumb {
  label: string;
  to?: string;
}

const Ctx = createContext<{ crumbs: Crumb[]; set: (c: Crumb[]) => void } | null>(null);

export function CrumbsProvider({ children }: { children: ReactNode }) {
  const [crumbs, set] = useState<Crumb[]>([]);
  return <Ctx.Provider value={{ crumbs, set }}>{children}</Ctx.Provider>;
}

/** Sets the trail while the calling page is shown; also sets the document title. */
export function useCrumbs(crumbs: Crumb[]) {
  const ctx = useContext(Ctx);
  const key = JSON.stringify(crumbs);
  useEffect(() => {
    ctx?.set(crumbs);
    const last = crumbs[crumbs.length - 1];
    document.title = last ? `${last.label} · Modelyard Studio` : "Modelyard Studio";
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);
}

export function CrumbsBar() {
  const ctx = useContext(Ctx);
  const crumbs = ctx?.crumbs ?? [];
  return (
    <nav className="crumbs" aria-label="Breadcrumb">
      {crumbs.map((c, i) => {
        const last = i === crumbs.length - 1;
        return (
          <span key={i} className="row" style={{ gap: 6, minWidth: 0 }}>
            {i > 0 && <span className="sep">/</span>}
            {last || !c.to ? <span className="here">{c.label}</span> : <Link to={c.to}>{c.label}</Link>}
          </span>
        );
      })}
    </nav>
  );
}

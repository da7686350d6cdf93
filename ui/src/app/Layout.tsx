import { NavLink, Outlet, useLocation } from "react-router";
import { CrumbsBar, CrumbsProvider } from "../components/Crumbs";
import {
  BoxIcon, CpuIcon, DatabaseIcon, FlaskIcon, HomeIcon, MoonIcon, PlayIcon, RadioIcon, SunIcon,
} from "../components/Icons";
import { useWorkspace } from "../data/tracking/hooks";
import { useTheme } from "./theme";

const NAV = [
  { to: "/", label: "Home", icon: HomeIcon, end: true },
  { to: "/experiments", label: "Experiments", icon: FlaskIcon },
  { to: "/jobs", label: "Jobs", icon: PlayIcon },
  { to: "/models", label: "Models", icon: BoxIcon },
  { to: "/endpoints", label: "Endpoints", icon: RadioIcon },
  { to: "/data", label: "Data", icon: DatabaseIcon },
  { to: "/compute", label: "Compute", icon: CpuIcon },
];

export function Layout() {
  const [theme, toggleTheme] = useTheme();
  const ws = useWorkspace();
  const loc = useLocation();
  // Pages that manage their own scrolling (the runs table) fill the content area.
  const fill = /^\/experiments\/[^/]+$/.test(loc.pathname);
  return (
    <CrumbsProvider>
      <div className="shell">
        <aside className="sidebar">
          <NavLink to="/" className="brand">
            <svg width="22" height="22" viewBox="0 0 32 32" aria-hidden="true">
              <rect width="32" height="32" rx="7" fill="var(--accent)" />
              <path d="M8 22V10l8 7 8-7v12" fill="none" stroke="var(--accent-text)" strokeWidth="3" strokeLinecap="round" strokeLinejoin="round" />
            </svg>
            Modelyard <small>Studio</small>
          </NavLink>
          <nav className="nav" aria-label="Main">
            {NAV.map(({ to, label, icon: Icon, end }) => (
              <NavLink key={to} to={to} end={end}>
                <Icon /> {label}
              </NavLink>
            ))}
          </nav>
          <div className="sidebar-foot" title={ws.data ? `${ws.data.store} · ${ws.data.artifact_store}` : undefined}>
            {ws.data ? <>Workspace <b style={{ color: "var(--text-muted)" }}>{ws.data.name}</b><br />Modelyard {ws.data.version}</> : ws.isError ? "Server unreachable" : "…"}
          </div>
        </aside>
        <div className="main">
          <header className="topbar">
            <CrumbsBar />
            <div className="spacer" />
            <button className="btn ghost icon" onClick={toggleTheme} data-testid="theme-toggle"
              title={theme === "dark" ? "Switch to light theme" : "Switch to dark theme"}
              aria-label={theme === "dark" ? "Switch to light theme" : "Switch to dark theme"}>
              {theme === "dark" ? <SunIcon /> : <MoonIcon />}
            </button>
          </header>
          <main className={`content ${fill ? "fill" : ""}`}>
            <Outlet />
          </main>
        </div>
      </div>
    </CrumbsProvider>
  );
}

import type { ReactNode } from "react";
import { ApiError } from "../api/client";
import { AlertIcon, InboxIcon } from "./Icons";

export function Spinner({ label }: { label?: string }) {
  return <span className="spinner" role="status" aria-label={label ?? "Loading"} />;
}

export function Loading({ label = "Loading…" }: { label?: string }) {
  return (
    <div className="state" aria-busy="true">
      <Spinner label={label} />
      <span>{label}</span>
    </div>
  );
}

export function ErrorState({ error, title, onRetry }: { error: unknown; title?: string; onRetry?: () => void }) {
  const e = error instanceof ApiError ? error : null;
  const message = error instanceof Error ? error.message : String(error);
  const heading = title ?? (e?.status === 404 ? "Not found" : "Something went wrong");
  return (
    <div className="state error" role="alert">
      <AlertIcon size={28} className="icon" />
      <h3>{heading}</h3>
      <p>{message}</p>
      {e && e.code && e.status !== 0 && <p className="faint mono">{e.code} · HTTP {e.status}</p>}
      {onRetry && (
        <button className="btn sm" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}

export function Empty({ title, children, icon }: { title: string; children?: ReactNode; icon?: ReactNode }) {
  return (
    <div className="state">
      <span className="icon">{icon ?? <InboxIcon size={28} />}</span>
      <h3>{title}</h3>
      {children && <p>{children}</p>}
    </div>
  );
}

import type { RunStatus } from "../api/types";

const TONE: Record<string, string> = {
  Finished: "ok",
  Failed: "danger",
  Running: "info",
  Queued: "warn",
  Canceled: "",
  Ready: "ok",
  Creating: "warn",
};

export function StatusBadge({ status }: { status: RunStatus | string }) {
  return (
    <span className={`badge ${TONE[status] ?? ""}`} data-status={status}>
      <span className="dot" />
      {status}
    </span>
  );
}

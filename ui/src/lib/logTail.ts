/**
 * Pure logic of the live log tail and the jobs list: a bounded line buffer fed with decoded
 * chunks (a line may span chunks), the terminal statuses, and how often to poll.
 */

/** What the log view shows: complete lines, the unfinished last line, and what was dropped. */
export interface LogState {
  lines: string[];
  partial: string;
  dropped: number;
}

export const MAX_LOG_LINES = 5000;

export function emptyLog(): LogState {
  return { lines: [], partial: "", dropped: 0 };
}

/**
 * Appends a decoded chunk. Lines end at "\n" (a "\r\n" loses its "\r"); the text after the
 * last newline waits in `partial`. Only the last `maxLines` complete lines are kept; the
 * count of earlier ones is in `dropped`. Returns a new state (the old one is unchanged).
 */
export function appendLog(state: LogState, chunk: string, maxLines = MAX_LOG_LINES): LogState {
  if (!chunk) return state;
  const parts = (state.partial + chunk).split("\n");
  const partial = parts.pop() ?? "";
  if (parts.length === 0) return { ...state, partial };
  let lines = state.lines.concat(parts.map((l) => (l.endsWith("\r") ? l.slice(0, -1) : l)));
  let dropped = state.dropped;
  if (lines.length > maxLines) {
    dropped += lines.length - maxLines;
    lines = lines.slice(lines.length - maxLines);
  }
  return { lines, partial, dropped };
}

/** Every line to show, the unfinished one included. */
export function visibleLines(state: LogState): string[] {
  return state.partial ? [...state.lines, state.partial] : state.lines;
}

const TERMINAL = new Set(["Finished", "Failed", "Canceled"]);

/** A job (or run) in one of these statuses will not change again. */
export function isTerminal(status: string | undefined | null): boolean {
  return !!status && TERMINAL.has(status);
}

/** Poll fast while some job is queued or running, slowly otherwise. */
export function jobsPollInterval(statuses: (string | undefined)[]): number {
  return statuses.some((s) => s !== undefined && !isTerminal(s)) ? 2000 : 15000;
}

/** Whether a scrolled box is at (or within `slack` px of) its bottom: keep following then. */
export function atBottom(el: { scrollTop: number; scrollHeight: number; clientHeight: number }, slack = 24): boolean {
  return el.scrollHeight - el.scrollTop - el.clientHeight <= slack;
}

/** The status filter of the jobs list (`?status=`): which statuses each choice keeps. */
export const JOB_FILTERS = {
  all: null,
  active: ["Queued", "Running"],
  finished: ["Finished"],
  failed: ["Failed", "Canceled"],
} as const;
export type JobFilter = keyof typeof JOB_FILTERS;

export function parseJobFilter(v: string | null): JobFilter {
  return v && v in JOB_FILTERS ? (v as JobFilter) : "all";
}

export function keepJob(filter: JobFilter, status: string): boolean {
  const allowed = JOB_FILTERS[filter];
  return allowed === null || (allowed as readonly string[]).includes(status);
}

import createClient from "openapi-fetch";
import type { paths } from "./schema";

/** The error the server sends: `{"error": {"code", "message"}}`, plus the HTTP status. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;

  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
  }
}

/** Turns any error body (ours, FastAPI's validation shape, or none) into an ApiError. */
export function toApiError(status: number, body: unknown): ApiError {
  if (body && typeof body === "object") {
    const b = body as Record<string, unknown>;
    const e = b.error as { code?: string; message?: string } | undefined;
    if (e && typeof e === "object") {
      return new ApiError(status, e.code ?? "ERROR", e.message ?? `HTTP ${status}`);
    }
    if (Array.isArray(b.detail)) {
      const msg = b.detail.map((d: { msg?: string }) => d.msg ?? String(d)).join("; ");
      return new ApiError(status, "INVALID_ARGUMENT", msg);
    }
    if (typeof b.detail === "string") return new ApiError(status, "ERROR", b.detail);
  }
  return new ApiError(status, status >= 500 ? "INTERNAL" : "ERROR", `The server answered HTTP ${status}.`);
}

export const api = createClient<paths>({ baseUrl: "" });

type Result<T> = { data?: T; error?: unknown; response: Response };

/** Returns the data of an openapi-fetch result or throws an ApiError. */
export async function unwrap<T>(p: Promise<Result<T>>): Promise<T> {
  let r: Result<T>;
  try {
    r = await p;
  } catch (e) {
    throw new ApiError(0, "NETWORK", "Cannot reach the Modelyard server. Is it running?");
  }
  if (r.error !== undefined || !r.response.ok) throw toApiError(r.response.status, r.error);
  return r.data as T;
}

/** URL of one artifact file; each path segment is encoded, the slashes kept. */
export function artifactUrl(runId: string, path: string): string {
  const enc = path.split("/").map(encodeURIComponent).join("/");
  return `/api/v1/runs/${encodeURIComponent(runId)}/artifacts/${enc}`;
}

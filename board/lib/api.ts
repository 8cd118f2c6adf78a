// The bayflow API client: typed from the generated OpenAPI types, the caller's token on every
// request, and every error turned into the problem+json text the API sent.
import createClient, { type Middleware } from "openapi-fetch";
import type { components, paths } from "./api-types";

export type Schemas = components["schemas"];

const TOKEN_KEY = "bayflow.token";

export function getToken(): string | null {
  return typeof window === "undefined" ? null : window.sessionStorage.getItem(TOKEN_KEY);
}

export function setToken(token: string | null): void {
  if (token === null) window.sessionStorage.removeItem(TOKEN_KEY);
  else window.sessionStorage.setItem(TOKEN_KEY, token);
}

const auth: Middleware = {
  onRequest({ request }) {
    const token = getToken();
    if (token) request.headers.set("Authorization", `Bearer ${token}`);
    return request;
  },
};

export const api = createClient<paths>({ baseUrl: "" });
api.use(auth);

/** An API error: `message` is the problem's text (title, detail and field errors). */
export class ApiError extends Error {
  constructor(readonly status: number, message: string, readonly problem: unknown) {
    super(message);
  }
}

interface Problem {
  title?: string;
  detail?: string;
  errors?: { field?: string; message?: string }[];
}

/** The text a person reads for a problem+json body (or whatever else the server sent). */
export function problemText(body: unknown, status: number): string {
  if (body && typeof body === "object") {
    const p = body as Problem;
    const head = [p.title, p.detail].filter(Boolean).join(": ");
    const fields = (p.errors ?? []).map((e) => (e.field ? `${e.field}: ${e.message}` : e.message ?? ""));
    const text = [head, ...fields].filter(Boolean).join("; ");
    if (text) return text;
  }
  if (typeof body === "string" && body.trim()) return body.trim();
  return `HTTP ${status}`;
}

/** The data of an openapi-fetch answer, or ApiError with the problem's text. */
export async function ok<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  let answer;
  try {
    answer = await call;
  } catch (exc) {
    throw new ApiError(0, `cannot reach bayflow: ${(exc as Error).message}`, null);
  }
  const { data, error, response } = answer;
  if (!response.ok || error !== undefined) {
    if (response.status === 401 && typeof window !== "undefined") {
      window.dispatchEvent(new Event("bayflow:unauthorized"));
    }
    throw new ApiError(response.status, problemText(error, response.status), error);
  }
  return data as T;
}

/** The message of any error, for showing it. */
export function errorText(exc: unknown): string {
  return exc instanceof Error ? exc.message : String(exc);
}

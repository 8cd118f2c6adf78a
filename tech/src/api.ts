/** The bayflow API over fetch: JSON in and out, problem+json errors as `ApiError`, a lost
 * connection as `NetworkError`, and uploads through XMLHttpRequest for their progress. */
import { API_URL } from './config';

export interface FieldError {
  field: string;
  message: string;
}

/** An RFC 9457 problem document, as every bayflow error is. */
export interface Problem {
  status: number;
  title: string;
  detail?: string;
  errors: FieldError[];
}

export class ApiError extends Error {
  constructor(public readonly problem: Problem) {
    super(describeProblem(problem));
  }
  get status(): number {
    return this.problem.status;
  }
}

/** The request never reached the API (offline, DNS, connection refused). */
export class NetworkError extends Error {}

/** "status: may not go from done back to pending" for each named field, else the detail or title. */
export function describeProblem(p: Problem): string {
  if (p.errors.length) return p.errors.map((e) => `${e.field}: ${e.message}`).join('; ');
  return p.detail ?? p.title;
}

let tokenSource: () => Promise<string | null> = async () => null;

/** Tell the client how to get the signed-in user's access token. */
export function setTokenSource(source: () => Promise<string | null>): void {
  tokenSource = source;
}

export async function authHeaders(): Promise<Record<string, string>> {
  const token = await tokenSource();
  return token ? { Authorization: `Bearer ${token}` } : {};
}

export function apiUrl(path: string): string {
  return /^https?:/.test(path) ? path : `${API_URL}${path}`;
}

async function toProblem(response: Response): Promise<Problem> {
  const text = await response.text();
  try {
    const body = JSON.parse(text) as Partial<Problem>;
    return {
      status: response.status,
      title: body.title ?? response.statusText,
      detail: body.detail,
      errors: Array.isArray(body.errors) ? body.errors : [],
    };
  } catch {
    return { status: response.status, title: response.statusText || `HTTP ${response.status}`, detail: text.slice(0, 200), errors: [] };
  }
}

export interface RequestOptions {
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

/** `method path` with the caller's token; the parsed JSON body (undefined for 204). */
export async function request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json', ...(await authHeaders()), ...options.headers };
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(apiUrl(path), {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal,
    });
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw error;
    throw new NetworkError(String(error));
  }
  if (!response.ok) throw new ApiError(await toProblem(response));
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}

/** POST `body` raw to `path` with its content type, reporting the share sent (0..1) as it goes. */
export async function upload<T>(path: string, body: Blob, contentType: string, headers: Record<string, string>,
                                onProgress: (sent: number) => void): Promise<T> {
  const auth = await authHeaders();
  return new Promise<T>((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', apiUrl(path));
    for (const [name, value] of Object.entries({ ...auth, ...headers, 'Content-Type': contentType, Accept: 'application/json' })) {
      xhr.setRequestHeader(name, value);
    }
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable && event.total > 0) onProgress(event.loaded / event.total);
    };
    xhr.onerror = () => reject(new NetworkError('upload failed: no connection'));
    xhr.ontimeout = () => reject(new NetworkError('upload timed out'));
    xhr.onload = () => {
      let parsed: unknown = null;
      try {
        parsed = xhr.responseText ? JSON.parse(xhr.responseText) : null;
      } catch {
        parsed = null;
      }
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(1);
        resolve(parsed as T);
        return;
      }
      const body = (parsed ?? {}) as Partial<Problem>;
      reject(new ApiError({
        status: xhr.status,
        title: body.title ?? `HTTP ${xhr.status}`,
        detail: body.detail,
        errors: Array.isArray(body.errors) ? body.errors : [],
      }));
    };
    xhr.send(body);
  });
}

// The server's events (`GET /v1/events`, SSE) read through fetch streaming, because EventSource
// cannot send the Authorization header. Reconnects with Last-Event-ID after a drop.
import { ApiError, getToken, problemText } from "./api";

export interface ShopEvent {
  id: number;
  type: string;
  work_order_id: string | null;
  task_id: string | null;
  schedule_run_id: string | null;
}

const RETRY_MS = 1000;

/** Calls `onEvent` for each event and `onState` when the stream connects or drops (with the API's
 * problem text when it refused the stream); returns a stop function. */
export function listen(onEvent: (e: ShopEvent) => void, onState: (live: boolean, problem?: string) => void): () => void {
  const abort = new AbortController();
  let lastId: string | null = null;

  async function once(): Promise<void> {
    const headers: Record<string, string> = { Accept: "text/event-stream" };
    const token = getToken();
    if (token) headers.Authorization = `Bearer ${token}`;
    if (lastId) headers["Last-Event-ID"] = lastId;
    const response = await fetch("/v1/events", { headers, signal: abort.signal, cache: "no-store" });
    if (!response.ok || !response.body) {
      const problem: unknown = await response.json().catch(() => null);
      throw new ApiError(response.status, problemText(problem, response.status), problem);
    }
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      let end: number;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (frame.startsWith(": live") || frame.startsWith(": connected")) onState(true);
        let data = "";
        for (const line of frame.split("\n")) {
          if (line.startsWith("id: ")) lastId = line.slice(4);
          else if (line.startsWith("data: ")) data += line.slice(6);
        }
        if (data) onEvent(JSON.parse(data) as ShopEvent);
      }
    }
  }

  (async () => {
    while (!abort.signal.aborted) {
      let problem: string | undefined;
      try {
        await once();
      } catch (e) {
        // dropped or refused: try again shortly
        if (e instanceof ApiError) problem = e.message;
      }
      if (abort.signal.aborted) return;
      onState(false, problem);
      await new Promise((r) => setTimeout(r, RETRY_MS));
    }
  })();
  return () => abort.abort();
}

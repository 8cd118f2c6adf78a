/** `GET /v1/events` (server-sent events) read through fetch streaming, so the Authorization header
 * goes with it (EventSource cannot send one). React Native's fetch cannot stream (it would wait for
 * the endless body), so on phones nothing is subscribed and the lists rely on pull to refresh. */
import { Platform } from 'react-native';

import { apiUrl, authHeaders } from './api';

const RECONNECT_MS = 5_000;

/** Call `onEvent(type)` for each event the caller may see until the returned function is called. */
export function subscribeEvents(onEvent: (type: string) => void): () => void {
  const controller = new AbortController();
  let lastId: string | null = null;

  async function connect(): Promise<void> {
    while (!controller.signal.aborted) {
      try {
        const headers: Record<string, string> = { Accept: 'text/event-stream', ...(await authHeaders()) };
        if (lastId) headers['Last-Event-ID'] = lastId;
        const response = await fetch(apiUrl('/v1/events'), { headers, signal: controller.signal });
        const reader = response.ok ? response.body?.getReader() : undefined;
        if (!reader) throw new Error(`events: HTTP ${response.status}`);
        const decoder = new TextDecoder();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += decoder.decode(value, { stream: true });
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const frame = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            let type: string | null = null;
            for (const line of frame.split('\n')) {
              if (line.startsWith('event:')) type = line.slice(6).trim();
              else if (line.startsWith('id:')) lastId = line.slice(3).trim();
            }
            if (type) onEvent(type);
          }
        }
      } catch {
        if (controller.signal.aborted) return;
      }
      await new Promise((resolve) => setTimeout(resolve, RECONNECT_MS));
    }
  }

  if (Platform.OS === 'web') void connect();
  return () => controller.abort();
}

/** Changes the technician makes (status, notes, photos), kept on the device until the API has them.
 *
 * Every change goes through here, online or not: it is stored first with an idempotency key, then
 * sent in order. A lost connection leaves it queued (sent again when the connection is back, with
 * the same key, so the API applies it once); a refusal (the task reassigned meanwhile: 404; a rule:
 * 409/422) moves it to `refused`, which the technician sees and dismisses. */
import { Platform } from 'react-native';
import { randomUUID } from 'expo-crypto';

import { ApiError, NetworkError, describeProblem, request, upload, type Problem } from './api';
import { load, save } from './storage';
import type { Attachment, StatusRequest, Task, TaskStatus } from './types';

interface Base {
  key: string;
  taskId: string;
  taskName: string;
  createdAt: string;
}
export interface StatusChange extends Base {
  kind: 'status';
  status: TaskStatus;
  reason?: string;
}
export interface NotesChange extends Base {
  kind: 'notes';
  notes: string;
  /** The notes as the technician found them: the change applies only while they are still so. */
  baseNotes: string;
}
export interface PhotoUpload extends Base {
  kind: 'photo';
  contentType: string;
  /** A data: URL on the web (kept in localStorage), the picked file's URI on a phone. */
  uri: string;
}
export type Change = StatusChange | NotesChange | PhotoUpload;
export type NewChange = Omit<StatusChange, keyof Base> | Omit<NotesChange, keyof Base> | Omit<PhotoUpload, keyof Base>;

export interface Refused {
  change: Change;
  problem: Problem;
  message: string;
}

export type Outcome = { state: 'sent'; result: unknown } | { state: 'queued' } | { state: 'refused'; problem: Problem; message: string };

export interface OutboxState {
  queued: Change[];
  refused: Refused[];
  /** Share of each photo uploaded so far, by key. */
  progress: Record<string, number>;
  /** Whether the last attempt to reach the API failed for want of a connection. */
  offline: boolean;
  /** Changes that could not be kept on the device (too large for the web's storage): sent while the app is open. */
  unsaved: number;
}

const RETRY_MS = 5_000; // while something is queued and the API cannot be reached

export class Outbox {
  private state: OutboxState = { queued: [], refused: [], progress: {}, offline: false, unsaved: 0 };
  private listeners = new Set<(s: OutboxState) => void>();
  private waiters = new Map<string, (o: Outcome) => void>();
  private flushing: Promise<void> | null = null;
  private again = false;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private readonly storageKey: string;
  /** Called after a change reached the API, so screens can reload. */
  onSent: (change: Change) => void = () => {};

  constructor(userId: string) {
    this.storageKey = `bayflow.outbox.${userId}`;
  }

  async open(): Promise<void> {
    const kept = await load<{ queued: Change[]; refused: Refused[] }>(this.storageKey);
    // Changes submitted while the kept ones were being read go after them.
    if (kept) this.set({ queued: [...kept.queued, ...this.state.queued], refused: [...kept.refused, ...this.state.refused] });
    if (Platform.OS === 'web' && typeof window !== 'undefined') {
      window.addEventListener('online', this.wake);
    }
    void this.flush();
  }

  close(): void {
    if (Platform.OS === 'web' && typeof window !== 'undefined') window.removeEventListener('online', this.wake);
    if (this.timer) clearTimeout(this.timer);
    this.listeners.clear();
  }

  private wake = () => {
    void this.flush();
  };

  subscribe(listener: (s: OutboxState) => void): () => void {
    this.listeners.add(listener);
    listener(this.state);
    return () => this.listeners.delete(listener);
  }

  snapshot(): OutboxState {
    return this.state;
  }

  private set(patch: Partial<OutboxState>): void {
    this.state = { ...this.state, ...patch };
    for (const listener of this.listeners) listener(this.state);
  }

  private async persist(): Promise<void> {
    const ok = await save(this.storageKey, { queued: this.state.queued, refused: this.state.refused });
    if (!ok) {
      // Too large for the device's storage (a big photo on the web): keep what fits.
      const small = this.state.queued.filter((c) => c.kind !== 'photo');
      await save(this.storageKey, { queued: small, refused: this.state.refused });
      this.set({ unsaved: this.state.queued.length - small.length });
    } else if (this.state.unsaved) {
      this.set({ unsaved: 0 });
    }
  }

  /** Keep `change` and send it (after whatever is queued before it); resolves once it was sent,
   * refused, or left queued for want of a connection. */
  async submit(change: NewChange & { taskId: string; taskName: string }): Promise<Outcome> {
    const full = { ...change, key: randomUUID(), createdAt: new Date().toISOString() } as Change;
    const outcome = new Promise<Outcome>((resolve) => this.waiters.set(full.key, resolve));
    this.set({ queued: [...this.state.queued, full] });
    await this.persist();
    void this.flush();
    return outcome;
  }

  dismiss(key: string): void {
    this.set({ refused: this.state.refused.filter((r) => r.change.key !== key) });
    void this.persist();
  }

  /** Send what is queued, in order, one flush at a time (a call during a flush runs another after it,
   * so a change queued meanwhile is tried too). */
  flush(): Promise<void> {
    if (this.flushing) {
      this.again = true;
      return this.flushing;
    }
    this.flushing = (async () => {
      do {
        this.again = false;
        await this.sendAll();
      } while (this.again);
    })().finally(() => {
      this.flushing = null;
    });
    return this.flushing;
  }

  private async sendAll(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    while (this.state.queued.length) {
      const change = this.state.queued[0];
      try {
        const result = await send(change, (share) => this.set({ progress: { ...this.state.progress, [change.key]: share } }));
        this.finish(change, { state: 'sent', result });
        this.set({ offline: false });
        this.onSent(change);
      } catch (error) {
        if (error instanceof ApiError && error.status >= 400 && error.status < 500
            && error.status !== 401 && error.status !== 408 && error.status !== 429) {
          const message = refusalMessage(change, error.problem);
          const waiter = this.waiters.get(change.key);
          // Someone is waiting on screen: they see the refusal there; otherwise it is listed.
          this.finish(change, { state: 'refused', problem: error.problem, message },
                      waiter ? undefined : { change, problem: error.problem, message });
          continue;
        }
        // No connection, or the API is down or wants a new sign-in: keep it and try again later.
        this.set({ offline: error instanceof NetworkError });
        for (const c of this.state.queued) this.waiters.get(c.key)?.({ state: 'queued' });
        for (const c of this.state.queued) this.waiters.delete(c.key);
        this.timer = setTimeout(this.wake, RETRY_MS);
        return;
      }
    }
  }

  private finish(change: Change, outcome: Outcome, refused?: Refused): void {
    const progress = { ...this.state.progress };
    delete progress[change.key];
    this.set({
      queued: this.state.queued.filter((c) => c.key !== change.key),
      refused: refused ? [...this.state.refused, refused] : this.state.refused,
      progress,
    });
    void this.persist();
    this.waiters.get(change.key)?.(outcome);
    this.waiters.delete(change.key);
  }
}

const STATUS_WORDS: Record<string, string> = {
  in_progress: 'Start', paused: 'Pause', blocked: 'Block', done: 'Done', pending: 'Reset', scheduled: 'Reset',
};

export function describeChange(change: Change): string {
  switch (change.kind) {
    case 'status':
      return `${STATUS_WORDS[change.status] ?? change.status} "${change.taskName}"`;
    case 'notes':
      return `Notes on "${change.taskName}"`;
    case 'photo':
      return `Photo for "${change.taskName}"`;
  }
}

function refusalMessage(change: Change, problem: Problem): string {
  if (problem.status === 404) return `${describeChange(change)} was not applied: the task is no longer assigned to you.`;
  return `${describeChange(change)} was refused: ${describeProblem(problem)}`;
}

async function send(change: Change, onProgress: (share: number) => void): Promise<unknown> {
  const idempotency = { 'Idempotency-Key': change.key };
  switch (change.kind) {
    case 'status': {
      const body: StatusRequest = change.reason ? { status: change.status, reason: change.reason } : { status: change.status };
      return request<Task>('POST', `/v1/tasks/${change.taskId}/status`, { body, headers: idempotency });
    }
    case 'notes':
      return sendNotes(change);
    case 'photo': {
      let blob: Blob;
      try {
        blob = await (await fetch(change.uri)).blob();
      } catch {
        throw new ApiError({ status: 410, title: 'Photo gone', detail: 'the photo is no longer on this device', errors: [] });
      }
      return upload<Attachment>(`/v1/tasks/${change.taskId}/attachments`, blob, change.contentType, idempotency, onProgress);
    }
  }
}

/** Notes apply only over the notes the technician started from: a status change queued before them
 * moves the task's version on, so the version is read at sending time, and the notes compared. */
async function sendNotes(change: NotesChange): Promise<unknown> {
  const now = await request<Task>('GET', `/v1/tasks/${change.taskId}`);
  const current = now.notes ?? '';
  if (current === change.notes) return now; // already there (an earlier send whose answer was lost)
  if (current !== change.baseNotes) {
    throw new ApiError({
      status: 409, title: 'Notes changed meanwhile',
      detail: 'someone else changed the notes since you started editing; yours were not saved',
      errors: [{ field: 'notes', message: 'changed by someone else since you started editing' }],
    });
  }
  return request<Task>('PATCH', `/v1/tasks/${change.taskId}`, {
    body: { notes: change.notes }, headers: { 'If-Match': `"${now.version}"` },
  });
}

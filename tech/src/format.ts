/** Times and words as the technician reads them, in the shop's time zone. */
import type { MyTask, TaskStatus } from './types';

export function clock(iso: string | null, timeZone: string): string {
  if (!iso) return '--:--';
  return new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', hour12: false, timeZone }).format(new Date(iso));
}

/** "Mon 7 Dec" for a YYYY-MM-DD day. */
export function dayName(day: string): string {
  return new Intl.DateTimeFormat('en-GB', { weekday: 'short', day: 'numeric', month: 'short', timeZone: 'UTC' })
    .format(new Date(`${day}T12:00:00Z`));
}

export function addDays(day: string, days: number): string {
  const date = new Date(`${day}T12:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}

export const STATUS_LABEL: Record<TaskStatus, string> = {
  pending: 'Not started', scheduled: 'Scheduled', in_progress: 'In progress', paused: 'Paused',
  blocked: 'Blocked', done: 'Done', cancelled: 'Cancelled',
};

export function vehicle(task: MyTask): string {
  const wo = task.work_order;
  const name = [wo.asset_year, wo.asset_make, wo.asset_model].filter((p) => p !== null && p !== '').join(' ');
  return [name || 'Unnamed asset', wo.plate].filter(Boolean).join(' · ');
}

export function partsLine(task: MyTask, timeZone: string): string | null {
  switch (task.parts.status) {
    case 'none':
      return null;
    case 'ready':
      return 'Parts ready';
    case 'due':
      return `Parts due ${clock(task.parts.ready_at, timeZone)}`;
    case 'no_eta':
      return 'Parts ordered, no ETA';
  }
}

/** "1 h 05 min" between two instants (or until now). */
export function duration(fromIso: string, toIso: string | null): string {
  const minutes = Math.max(0, Math.round(((toIso ? Date.parse(toIso) : Date.now()) - Date.parse(fromIso)) / 60_000));
  const h = Math.floor(minutes / 60);
  return h ? `${h} h ${String(minutes % 60).padStart(2, '0')} min` : `${minutes} min`;
}

// Instants shown in the shop's time zone (not the browser's), whatever machine the dispatcher uses.

const formats = new Map<string, Intl.DateTimeFormat>();

function format(timeZone: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = timeZone + JSON.stringify(options);
  let f = formats.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", { timeZone, hourCycle: "h23", ...options });
    formats.set(key, f);
  }
  return f;
}

const QUARTER_HOUR_MS = 900_000;
const offsets = new Map<string, number>();

/** Minutes the zone is ahead of UTC at `instant` (negative west of Greenwich). Offsets change only
 * on whole quarter hours, so they are cached per quarter hour (the timeline asks very often). */
export function zoneOffsetMinutes(timeZone: string, instant: number): number {
  const key = `${timeZone}|${Math.floor(instant / QUARTER_HOUR_MS)}`;
  let offset = offsets.get(key);
  if (offset === undefined) {
    offset = computeOffset(timeZone, instant);
    offsets.set(key, offset);
  }
  return offset;
}

function computeOffset(timeZone: string, instant: number): number {
  const parts = format(timeZone, {
    year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit",
  }).formatToParts(new Date(instant));
  const n = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const asUtc = Date.UTC(n("year"), n("month") - 1, n("day"), n("hour") % 24, n("minute"), n("second"));
  return Math.round((asUtc - Math.floor(instant / 1000) * 1000) / 60000);
}

/** `Tue 12/08 09:30` in the shop's zone. */
export function shopTime(timeZone: string, iso: string | null | undefined): string {
  if (!iso) return "—";
  return format(timeZone, { weekday: "short", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" })
    .format(new Date(iso))
    .replace(",", "");
}

/** `09:30` in the shop's zone. */
export function shopClock(timeZone: string, iso: string): string {
  return format(timeZone, { hour: "2-digit", minute: "2-digit" }).format(new Date(iso));
}

/** Midnight in the shop's zone of the day holding `instant`, plus `days` days. */
export function shopMidnight(timeZone: string, instant: number, days = 0): number {
  const offset = zoneOffsetMinutes(timeZone, instant) * 60000;
  const local = new Date(instant + offset);
  const midnightLocal = Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate() + days);
  // The offset at the target midnight may differ (DST): correct with the offset there.
  return midnightLocal - zoneOffsetMinutes(timeZone, midnightLocal - offset) * 60000;
}

/** The span the board shows for `anchor`: from the shop's midnight of its day, one or seven shop days
 * long (a shop day is 23 or 25 hours on a daylight-saving change). */
export function viewWindow(timeZone: string, anchor: number, days: number): { start: number; end: number } {
  const start = shopMidnight(timeZone, anchor);
  return { start, end: shopMidnight(timeZone, start, days) };
}

/** Minutes between two instants, as `2 h 15 min`. */
export function duration(minutes: number): string {
  const m = Math.round(Math.abs(minutes));
  const h = Math.floor(m / 60);
  const text = h ? `${h} h${m % 60 ? ` ${m % 60} min` : ""}` : `${m} min`;
  return minutes < 0 ? `-${text}` : text;
}

/** Seconds as `3 s`, `4 min`, `2 h`. */
export function age(seconds: number): string {
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  return `${Math.round(seconds / 3600)} h`;
}

/** `2026-12-08T09:30` (a datetime-local value) for an instant, in the shop's zone. */
export function toShopLocal(timeZone: string, instant: number): string {
  return new Date(instant + zoneOffsetMinutes(timeZone, instant) * 60000).toISOString().slice(0, 16);
}

/** The instant of a datetime-local value read in the shop's zone. */
export function fromShopLocal(timeZone: string, value: string): number {
  const asUtc = Date.parse(`${value}:00Z`);
  const guess = asUtc - zoneOffsetMinutes(timeZone, asUtc) * 60000;
  return asUtc - zoneOffsetMinutes(timeZone, guess) * 60000;
}

/** Locale-aware formatting of dates, times and numbers (follows the active UI locale). */
import { i18n } from './i18n/index.svelte';

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Parses RFC 3339 timestamps and plain dates (`YYYY-MM-DD`, taken as a local date). */
export function parseDate(value: string): Date | null {
  const m = DATE_ONLY.exec(value);
  const date = m ? new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

const cache = new Map<string, Intl.DateTimeFormat>();

function formatter(options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${i18n.intlTag}|${JSON.stringify(options)}`;
  let f = cache.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(i18n.intlTag, options);
    cache.set(key, f);
  }
  return f;
}

/** Formats with `options`, dropping trailing punctuation ("20.11." → "20.11"). */
function trimmed(date: Date, options: Intl.DateTimeFormatOptions): string {
  const parts = formatter(options).formatToParts(date);
  while (parts.length > 0 && parts[parts.length - 1]?.type === 'literal') parts.pop();
  return parts.map((p) => p.value).join('');
}

/** "10:14" */
export function formatTime(value: string): string {
  const date = parseDate(value);
  return date ? formatter({ hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(date) : value;
}

/** The local calendar day of a time, as YYYY-MM-DD (for comparing days). */
export function localDay(value: string | number): string {
  const date = typeof value === 'number' ? new Date(value) : parseDate(value);
  if (!date) return String(value).slice(0, 10);
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** "20.11.2026" / "20/11/2026" */
export function formatDate(value: string): string {
  const date = parseDate(value);
  return date ? formatter({ day: '2-digit', month: '2-digit', year: 'numeric' }).format(date) : value;
}

/** "fredag 20. november" / "Friday 20 November" */
export function formatLongDate(value: string): string {
  const date = parseDate(value);
  return date ? formatter({ weekday: 'long', day: 'numeric', month: 'long' }).format(date) : value;
}

/** "20.11 10:14"; the year is added when it is not the current one ("20.11.2025 10:14"). */
export function formatDateTime(value: string): string {
  const date = parseDate(value);
  if (!date) return value;
  const withYear = date.getFullYear() !== new Date().getFullYear();
  const day = trimmed(date, withYear
    ? { day: '2-digit', month: '2-digit', year: 'numeric' }
    : { day: '2-digit', month: '2-digit' });
  return `${day} ${formatTime(value)}`;
}

/** Locale decimal separator, at most one decimal ("37,2" / "37.2"). */
export function formatNumber(value: number): string {
  return new Intl.NumberFormat(i18n.intlTag, { maximumFractionDigits: 1 }).format(value);
}

const relativeCache = new Map<string, Intl.RelativeTimeFormat>();

function relative(): Intl.RelativeTimeFormat {
  let f = relativeCache.get(i18n.intlTag);
  if (!f) {
    f = new Intl.RelativeTimeFormat(i18n.intlTag, { style: 'short', numeric: 'always' });
    relativeCache.set(i18n.intlTag, f);
  }
  return f;
}

/**
 * How long ago `value` was, in the largest whole unit ("for 2 t siden" / "2 hr ago");
 * `null` under a minute (the caller says "just now"), or when it is no date. `now` is
 * passed in so a ticking clock can re-render it.
 */
export function formatAge(value: string, now: number): string | null {
  const date = parseDate(value);
  if (!date) return null;
  const seconds = Math.max(0, Math.round((now - date.getTime()) / 1000));
  if (seconds < 60) return null;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return relative().format(-minutes, 'minute');
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return relative().format(-hours, 'hour');
  return relative().format(-Math.floor(hours / 24), 'day');
}

/** "3,4 s" / "850 ms": a duration from milliseconds. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${new Intl.NumberFormat(i18n.intlTag).format(Math.round(ms))} ms`;
  return `${new Intl.NumberFormat(i18n.intlTag, { maximumFractionDigits: 1 }).format(ms / 1000)} s`;
}

/**
 * How dates, times and numbers are shown. Dates and times follow one style, spelt out
 * here rather than left to ICU's patterns (which print Norwegian "5.12" for "05.12."):
 *
 *   a time                 14:30                          (every language)
 *   a date                 05.12.2026          en 05-Dec-2026
 *   day and time, this year  05.12. 14:30      en 05-Dec 14:30
 *   day and time, another    05.12.2025 14:30  en 05-Dec-2025 14:30
 *   a long day             fredag 5. desember  en Friday 5 December
 *
 * Norwegian as Språkrådet writes dates (the dots are never dropped); English as the NHS
 * writes clinical dates, which UK and US readers cannot misread. An instant is shown as
 * the wall clock in Oslo whatever the machine's zone; a plain date (YYYY-MM-DD) is a
 * calendar day and is shown as written. What cannot be read is returned as it came.
 */
import { clock } from './clock.svelte';
import { i18n, type Locale } from './i18n/index.svelte';

/** Where the clinicians are: every clinical time is shown on this zone's clock. */
export const CLINICAL_TIME_ZONE = 'Europe/Oslo';

/** A calendar day, with the time of day when the value had one. */
interface WallClock {
  year: number;
  month: number;
  day: number;
  time: { hour: number; minute: number } | null;
}

const PLAIN_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
/** RFC 3339 with or without its offset (without one, it is read as Oslo time). */
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::\d{2}(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/i;

/** Intl only converts an instant to Oslo's wall clock; the text is made below. */
const osloParts = new Intl.DateTimeFormat('en-US', {
  timeZone: CLINICAL_TIME_ZONE,
  year: 'numeric',
  month: 'numeric',
  day: 'numeric',
  hour: 'numeric',
  minute: 'numeric',
  hourCycle: 'h23',
});

function osloWallClock(ms: number): WallClock {
  const parts = osloParts.formatToParts(ms);
  const part = (type: Intl.DateTimeFormatPartTypes): number => Number(parts.find((p) => p.type === type)?.value);
  // Some engines have said "24" for midnight even with h23.
  return { year: part('year'), month: part('month'), day: part('day'), time: { hour: part('hour') % 24, minute: part('minute') } };
}

function isCalendarDay(year: number, month: number, day: number): boolean {
  const d = new Date(Date.UTC(year, month - 1, day));
  return d.getUTCFullYear() === year && d.getUTCMonth() === month - 1 && d.getUTCDate() === day;
}

/** The Oslo wall clock of `value`, or null when it is no date this module reads. */
function wallClock(value: string | number): WallClock | null {
  if (typeof value === 'number') return Number.isFinite(value) ? osloWallClock(value) : null;
  const plain = PLAIN_DATE.exec(value);
  if (plain) {
    const [year, month, day] = [Number(plain[1]), Number(plain[2]), Number(plain[3])];
    return isCalendarDay(year, month, day) ? { year, month, day, time: null } : null;
  }
  const m = DATE_TIME.exec(value);
  if (!m) return null;
  const [year, month, day, hour, minute] = [1, 2, 3, 4, 5].map((i) => Number(m[i]));
  if (!isCalendarDay(year!, month!, day!) || hour! > 23 || minute! > 59) return null;
  if (!m[6]) return { year: year!, month: month!, day: day!, time: { hour: hour!, minute: minute! } };
  const ms = Date.parse(value.toUpperCase().replace(' ', 'T'));
  return Number.isNaN(ms) ? null : osloWallClock(ms);
}

/** The instant of `value` in ms; a day without a time is taken from Oslo's midnight. */
function instant(value: string): number | null {
  const m = DATE_TIME.exec(value);
  if (m?.[6]) {
    const ms = Date.parse(value.toUpperCase().replace(' ', 'T'));
    return Number.isNaN(ms) ? null : ms;
  }
  const w = wallClock(value);
  if (!w) return null;
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.time?.hour ?? 0, w.time?.minute ?? 0);
  // Oslo's offset where that wall clock falls (asked twice: the first guess may be across a change).
  const offset = (ms: number): number => {
    const o = osloWallClock(ms);
    return Date.UTC(o.year, o.month - 1, o.day, o.time?.hour ?? 0, o.time?.minute ?? 0) - Math.floor(ms / 60_000) * 60_000;
  };
  return asUtc - offset(asUtc - offset(asUtc));
}

const MONTHS_EN = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

const MONTH_NAMES: Record<Locale, readonly string[]> = {
  nb: ['januar', 'februar', 'mars', 'april', 'mai', 'juni', 'juli', 'august', 'september', 'oktober', 'november', 'desember'],
  nn: ['januar', 'februar', 'mars', 'april', 'mai', 'juni', 'juli', 'august', 'september', 'oktober', 'november', 'desember'],
  en: ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'],
};

/** Monday first. */
const WEEKDAY_NAMES: Record<Locale, readonly string[]> = {
  nb: ['mandag', 'tirsdag', 'onsdag', 'torsdag', 'fredag', 'lørdag', 'søndag'],
  nn: ['måndag', 'tysdag', 'onsdag', 'torsdag', 'fredag', 'laurdag', 'sundag'],
  en: ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'],
};

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** "05.12." / "05.12.2026", en "05-Dec" / "05-Dec-2026". */
function dayText(w: WallClock, withYear: boolean): string {
  const year = pad(w.year, 4);
  if (i18n.locale === 'en') return `${pad(w.day)}-${MONTHS_EN[w.month - 1]}${withYear ? `-${year}` : ''}`;
  return `${pad(w.day)}.${pad(w.month)}.${withYear ? year : ''}`;
}

function timeText(time: { hour: number; minute: number }): string {
  return `${pad(time.hour)}:${pad(time.minute)}`;
}

/** "14:30"; a plain date has no time and is shown as a date. */
export function formatTime(value: string): string {
  const w = wallClock(value);
  if (!w) return value;
  return w.time ? timeText(w.time) : dayText(w, true);
}

/** "05.12.2026" / "05-Dec-2026": the day, with its year. */
export function formatDate(value: string): string {
  const w = wallClock(value);
  return w ? dayText(w, true) : value;
}

/** The day of a day and time: "05.12." this year (in Oslo, at `now`), "05.12.2025" another year. */
export function formatDay(value: string, now: number = clock.now): string {
  const w = wallClock(value);
  if (!w) return value;
  return dayText(w, w.year !== osloWallClock(now).year);
}

/** "05.12. 14:30" this year, "05.12.2025 14:30" another; a plain date as a date. */
export function formatDateTime(value: string, now: number = clock.now): string {
  const w = wallClock(value);
  if (!w) return value;
  if (!w.time) return dayText(w, true);
  return `${dayText(w, w.year !== osloWallClock(now).year)} ${timeText(w.time)}`;
}

/** The time alone when it is today in Oslo ("14:30"), else the day and time. */
export function formatWhen(value: string, now: number = clock.now): string {
  const w = wallClock(value);
  if (!w) return value;
  return w.time && localDay(value) === localDay(now) ? timeText(w.time) : formatDateTime(value, now);
}

/** "fredag 5. desember" / "Friday 5 December". */
export function formatLongDate(value: string): string {
  const w = wallClock(value);
  if (!w) return value;
  const locale = i18n.locale;
  const weekday = WEEKDAY_NAMES[locale][(new Date(Date.UTC(w.year, w.month - 1, w.day)).getUTCDay() + 6) % 7];
  const month = MONTH_NAMES[locale][w.month - 1];
  return locale === 'en' ? `${weekday} ${w.day} ${month}` : `${weekday} ${w.day}. ${month}`;
}

/** The Oslo calendar day of a time (or of ms since the epoch), as YYYY-MM-DD, for comparing days. */
export function localDay(value: string | number): string {
  const w = wallClock(value);
  if (!w) return String(value).slice(0, 10);
  return `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)}`;
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
  const at = instant(value);
  if (at === null) return null;
  const seconds = Math.max(0, Math.round((now - at) / 1000));
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

/**
 * The one date and time style (src/lib/format.ts), from fixed inputs to exact text in
 * each language. Also run in a browser far from Oslo (the widgets-elsewhere project):
 * nothing here may depend on the machine's zone.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  CLINICAL_TIME_ZONE,
  formatAge,
  formatDate,
  formatDateTime,
  formatDay,
  formatLongDate,
  formatTime,
  formatWhen,
  localDay,
} from '../../src/lib/format';
import { i18n, type Locale } from '../../src/lib/i18n/index.svelte';
import { NOW, shownDateTime, shownTime } from '../fixtures/time';

afterEach(() => i18n.setLocale('nb'));

/** `fn` in each language: [nb, nn, en]; bokmål again afterwards. */
function inEach(fn: () => string): [string, string, string] {
  const texts = (['nb', 'nn', 'en'] as Locale[]).map((locale) => {
    i18n.setLocale(locale);
    return fn();
  });
  i18n.setLocale('nb');
  return texts as [string, string, string];
}

const ms = (iso: string): number => Date.parse(iso);
/** A "now" in 2026 and one in 2027, both mid-year. */
const IN_2026 = ms('2026-06-15T10:00:00Z');
const IN_2027 = ms('2027-06-15T10:00:00Z');

describe('the clinical time zone', () => {
  it('is Oslo', () => {
    expect(CLINICAL_TIME_ZONE).toBe('Europe/Oslo');
  });
});

describe('a time', () => {
  it('is 24-hour with two digits, the same in every language', () => {
    expect(inEach(() => formatTime('2026-01-05T13:30:00Z'))).toEqual(['14:30', '14:30', '14:30']);
    expect(inEach(() => formatTime('2026-03-09T08:05:00Z'))).toEqual(['09:05', '09:05', '09:05']);
  });

  it('is midnight as 00:00, in winter (23:00Z the day before) and in summer (22:00Z)', () => {
    expect(formatTime('2026-12-04T23:00:00Z')).toBe('00:00');
    expect(formatTime('2027-07-14T22:00:00Z')).toBe('00:00');
    expect(formatTime('2026-12-04T23:05:00Z')).toBe('00:05');
  });

  it('is on Oslo’s clock in winter (CET, +1) and summer (CEST, +2)', () => {
    expect(formatTime('2026-12-05T13:30:00Z')).toBe('14:30');
    expect(formatTime('2027-07-14T12:30:00Z')).toBe('14:30');
  });

  it('is 02:30 twice the night the clocks go back, and skips 02:xx the night they go forward', () => {
    expect(formatTime('2027-10-31T00:30:00Z')).toBe('02:30');
    expect(formatTime('2027-10-31T01:30:00Z')).toBe('02:30');
    expect(formatTime('2027-03-28T00:59:00Z')).toBe('01:59');
    expect(formatTime('2027-03-28T01:00:00Z')).toBe('03:00');
  });

  it('reads an offset, fractions of a second, and a time without an offset as Oslo time', () => {
    expect(formatTime('2026-12-05T14:30:00+01:00')).toBe('14:30');
    expect(formatTime('2027-07-14T16:30:00+04:00')).toBe('14:30');
    expect(formatTime('2026-12-05T13:30:59.999Z')).toBe('14:30');
    expect(formatTime('2026-12-05T14:30:00')).toBe('14:30');
  });
});

describe('a date', () => {
  it('has two-digit day and month and the year: 05.12.2026, in English 05-Dec-2026', () => {
    expect(inEach(() => formatDate('2026-12-05T13:30:00Z'))).toEqual(['05.12.2026', '05.12.2026', '05-Dec-2026']);
    expect(inEach(() => formatDate('2026-01-05T13:30:00Z'))).toEqual(['05.01.2026', '05.01.2026', '05-Jan-2026']);
    expect(inEach(() => formatDate('2027-03-09T08:05:00Z'))).toEqual(['09.03.2027', '09.03.2027', '09-Mar-2027']);
  });

  it('is Oslo’s day: midnight in winter is 23:00Z the day before', () => {
    expect(inEach(() => formatDate('2026-12-04T23:00:00Z'))).toEqual(['05.12.2026', '05.12.2026', '05-Dec-2026']);
    expect(formatDate('2026-12-04T22:59:00Z')).toBe('04.12.2026');
    expect(formatDate('2027-07-14T22:00:00Z')).toBe('15.07.2027');
  });

  it('knows 29 February 2028', () => {
    expect(inEach(() => formatDate('2028-02-29T11:00:00Z'))).toEqual(['29.02.2028', '29.02.2028', '29-Feb-2028']);
    expect(inEach(() => formatDate('2028-02-29'))).toEqual(['29.02.2028', '29.02.2028', '29-Feb-2028']);
  });

  it('shows a plain date as written, never moved by a time zone', () => {
    expect(inEach(() => formatDate('2026-12-05'))).toEqual(['05.12.2026', '05.12.2026', '05-Dec-2026']);
    expect(formatDate('2027-01-01')).toBe('01.01.2027');
    expect(formatDate('2026-12-31')).toBe('31.12.2026');
    expect(formatDate('1934-03-01')).toBe('01.03.1934');
  });
});

describe('a day and time', () => {
  it('leaves out this year: 05.12. 14:30 (the dots stay), in English 05-Dec 14:30', () => {
    expect(inEach(() => formatDateTime('2026-12-05T13:30:00Z', IN_2026))).toEqual([
      '05.12. 14:30',
      '05.12. 14:30',
      '05-Dec 14:30',
    ]);
    expect(inEach(() => formatDateTime('2026-01-05T13:30:00Z', IN_2026))).toEqual([
      '05.01. 14:30',
      '05.01. 14:30',
      '05-Jan 14:30',
    ]);
    expect(inEach(() => formatDay('2026-01-05T13:30:00Z', IN_2026))).toEqual(['05.01.', '05.01.', '05-Jan']);
  });

  it('gives another year: 05.12.2025 14:30, in English 05-Dec-2025 14:30', () => {
    expect(inEach(() => formatDateTime('2025-12-05T13:30:00Z', IN_2026))).toEqual([
      '05.12.2025 14:30',
      '05.12.2025 14:30',
      '05-Dec-2025 14:30',
    ]);
    expect(inEach(() => formatDateTime('2027-03-09T08:05:00Z', IN_2026))).toEqual([
      '09.03.2027 09:05',
      '09.03.2027 09:05',
      '09-Mar-2027 09:05',
    ]);
    expect(inEach(() => formatDay('2025-12-05T13:30:00Z', IN_2026))).toEqual(['05.12.2025', '05.12.2025', '05-Dec-2025']);
  });

  it('takes the year from Oslo at 31 Dec 23:30: a value on 1 Jan is next year', () => {
    const now = ms('2026-12-31T22:30:00Z');
    expect(inEach(() => formatDateTime('2026-12-31T23:10:00Z', now))).toEqual([
      '01.01.2027 00:10',
      '01.01.2027 00:10',
      '01-Jan-2027 00:10',
    ]);
    expect(formatDateTime('2026-12-31T21:00:00Z', now)).toBe('31.12. 22:00');
  });

  it('takes the year from Oslo at 1 Jan 00:30 (still 2026 in UTC): 31 Dec 23:50 has its year', () => {
    const now = ms('2026-12-31T23:30:00Z');
    expect(inEach(() => formatDateTime('2026-12-31T22:50:00Z', now))).toEqual([
      '31.12.2026 23:50',
      '31.12.2026 23:50',
      '31-Dec-2026 23:50',
    ]);
    expect(formatDateTime('2026-12-31T23:10:00Z', now)).toBe('01.01. 00:10');
  });

  it('shows both 02:30s the night the clocks go back, and summer and winter times', () => {
    expect(formatDateTime('2027-10-31T00:30:00Z', IN_2027)).toBe('31.10. 02:30');
    expect(formatDateTime('2027-10-31T01:30:00Z', IN_2027)).toBe('31.10. 02:30');
    expect(formatDateTime('2027-07-14T12:30:00Z', IN_2027)).toBe('14.07. 14:30');
    expect(formatDateTime('2027-01-14T13:30:00Z', IN_2027)).toBe('14.01. 14:30');
    expect(inEach(() => formatDateTime('2028-02-29T11:00:00Z', IN_2027))).toEqual([
      '29.02.2028 12:00',
      '29.02.2028 12:00',
      '29-Feb-2028 12:00',
    ]);
  });

  it('shows a plain date as a date with its year', () => {
    expect(inEach(() => formatDateTime('2026-12-05', IN_2026))).toEqual(['05.12.2026', '05.12.2026', '05-Dec-2026']);
    expect(formatTime('2026-12-05')).toBe('05.12.2026');
  });

  it('takes this year from the app’s clock (NOW in the tests) when not told', () => {
    const value = '2026-12-31T22:50:00Z';
    expect(formatDateTime(value)).toBe(formatDateTime(value, NOW));
    expect(formatDateTime(value)).toBe(shownDateTime(value, NOW));
  });

  it('agrees with the tests’ own reckoning (tests/fixtures/time.ts), which other tests rely on', () => {
    const cases: [string, number][] = [
      ['2026-12-31T23:10:00Z', ms('2026-12-31T22:30:00Z')],
      ['2026-12-31T22:50:00Z', ms('2026-12-31T23:30:00Z')],
      ['2027-10-31T00:30:00Z', IN_2027],
      ['2027-10-31T01:30:00Z', IN_2027],
      ['2027-03-28T01:00:00Z', IN_2027],
      ['2027-07-14T22:00:00Z', IN_2027],
      ['2026-01-05T13:30:00Z', IN_2026],
    ];
    for (const [value, now] of cases) {
      expect(formatDateTime(value, now), value).toBe(shownDateTime(value, now));
      expect(formatTime(value), value).toBe(shownTime(value));
    }
  });
});

describe('the time alone when it is today', () => {
  it('is the time today in Oslo, the day and time before midnight, at 00:30 (UTC still yesterday)', () => {
    const now = ms('2027-07-14T22:30:00Z');
    expect(formatWhen('2027-07-14T22:10:00Z', now)).toBe('00:10');
    expect(formatWhen('2027-07-14T21:50:00Z', now)).toBe('14.07. 23:50');
    expect(inEach(() => formatWhen('2027-07-14T21:50:00Z', now))).toEqual(['14.07. 23:50', '14.07. 23:50', '14-Jul 23:50']);
  });

  it('gives the year across New Year', () => {
    expect(formatWhen('2026-12-31T22:50:00Z', ms('2026-12-31T23:30:00Z'))).toBe('31.12.2026 23:50');
  });
});

describe('a long day', () => {
  it('names the weekday and month from tables: bokmål, nynorsk and English', () => {
    expect(inEach(() => formatLongDate('2026-12-05'))).toEqual([
      'lørdag 5. desember',
      'laurdag 5. desember',
      'Saturday 5 December',
    ]);
    expect(inEach(() => formatLongDate('2026-01-05'))).toEqual(['mandag 5. januar', 'måndag 5. januar', 'Monday 5 January']);
    expect(inEach(() => formatLongDate('2027-03-09'))).toEqual(['tirsdag 9. mars', 'tysdag 9. mars', 'Tuesday 9 March']);
    expect(inEach(() => formatLongDate('2026-11-20'))).toEqual(['fredag 20. november', 'fredag 20. november', 'Friday 20 November']);
    expect(inEach(() => formatLongDate('2027-10-31'))).toEqual(['søndag 31. oktober', 'sundag 31. oktober', 'Sunday 31 October']);
    expect(inEach(() => formatLongDate('2028-02-29'))).toEqual(['tirsdag 29. februar', 'tysdag 29. februar', 'Tuesday 29 February']);
  });

  it('has every weekday in each language', () => {
    // 2027-02-01 is a Monday.
    const week = [1, 2, 3, 4, 5, 6, 7].map((d) => `2027-02-0${d}`);
    const weekdays = (locale: Locale) => {
      i18n.setLocale(locale);
      return week.map((d) => formatLongDate(d).split(' ')[0]);
    };
    expect(weekdays('nb')).toEqual(['mandag', 'tirsdag', 'onsdag', 'torsdag', 'fredag', 'lørdag', 'søndag']);
    expect(weekdays('nn')).toEqual(['måndag', 'tysdag', 'onsdag', 'torsdag', 'fredag', 'laurdag', 'sundag']);
    expect(weekdays('en')).toEqual(['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday']);
  });

  it('is Oslo’s day for an instant', () => {
    expect(formatLongDate('2026-12-04T23:30:00Z')).toBe('lørdag 5. desember');
  });
});

describe('the Oslo calendar day', () => {
  it('of an instant, as YYYY-MM-DD', () => {
    expect(localDay('2027-07-14T22:30:00Z')).toBe('2027-07-15');
    expect(localDay(ms('2027-07-14T22:30:00Z'))).toBe('2027-07-15');
    expect(localDay(ms('2026-12-31T23:30:00Z'))).toBe('2027-01-01');
    expect(localDay(ms('2026-12-31T22:30:00Z'))).toBe('2026-12-31');
    expect(localDay('2027-03-01T07:00:00Z')).toBe('2027-03-01');
  });

  it('of a plain date is that date', () => {
    expect(localDay('2027-01-01')).toBe('2027-01-01');
    expect(localDay('2028-02-29')).toBe('2028-02-29');
  });
});

describe('what is not a date', () => {
  const garbage = ['ikke en dato', '', '2026-02-30', '2026-13-01', '2026-11', '12', '2026-11-20T25:00:00Z'];

  it('is returned as it came', () => {
    for (const value of garbage) {
      expect([
        formatTime(value),
        formatDate(value),
        formatDay(value, IN_2026),
        formatDateTime(value, IN_2026),
        formatWhen(value, IN_2026),
        formatLongDate(value),
      ]).toEqual(Array(6).fill(value));
    }
    expect(localDay('ikke en dato')).toBe('ikke en da');
  });

  it('has no age', () => {
    expect(formatAge('ikke en dato', IN_2026)).toBeNull();
  });
});

describe('how long ago', () => {
  it('is in the largest whole unit, and nothing under a minute', () => {
    const now = ms('2026-11-20T09:14:00Z');
    expect(formatAge('2026-11-20T06:14:00Z', now)).toBe('for 3 t siden');
    expect(formatAge('2026-11-20T09:04:00Z', now)).toBe('for 10 min siden');
    expect(formatAge('2026-11-17T09:14:00Z', now)).toBe('for 3 d. siden');
    expect(formatAge('2026-11-20T09:13:30Z', now)).toBeNull();
  });
});

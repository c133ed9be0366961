/** The date matrix's list (tests/date-matrix.mjs) is well formed, and Node runs in Oslo time. */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { FILES, INSTANTS } from './date-matrix.mjs';
import { osloWallClock } from './fixtures/time';
import { parseTestNow } from './now';

const pad = (n: number): string => String(n).padStart(2, '0');

/** Oslo's wall clock by Intl, to check the tests' own reckoning against. */
const osloByIntl = (ms: number): string =>
  new Intl.DateTimeFormat('sv-SE', {
    timeZone: 'Europe/Oslo',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(ms);

describe('the date matrix', () => {
  it('has distinct instants, each an RFC 3339 UTC instant ARBEIDSFLATE_TEST_NOW accepts', () => {
    expect(INSTANTS.length).toBeGreaterThanOrEqual(9);
    expect(new Set(INSTANTS.map((i) => i.now)).size).toBe(INSTANTS.length);
    for (const { now } of INSTANTS) {
      expect(now, now).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
      expect(Date.parse(parseTestNow(now)), now).toBe(Date.parse(now));
    }
  });

  it('says the right Oslo wall clock for each, by Intl and by the tests’ own reckoning', () => {
    for (const { now, oslo } of INSTANTS) {
      const w = osloWallClock(now);
      expect(`${w.year}-${pad(w.month)}-${pad(w.day)} ${pad(w.hour)}:${pad(w.minute)}`, now).toBe(oslo);
      expect(osloByIntl(Date.parse(now)), now).toBe(oslo);
    }
  });

  it('runs files that exist', () => {
    for (const file of FILES) expect(existsSync(fileURLToPath(new URL(`../${file}`, import.meta.url))), file).toBe(true);
  });
});

describe('Node-side fixtures', () => {
  it('run in Oslo time, as the browsers do', () => {
    expect(process.env.TZ).toBe('Europe/Oslo');
    expect(Intl.DateTimeFormat().resolvedOptions().timeZone).toBe('Europe/Oslo');
    expect(new Date(2026, 11, 1).getTimezoneOffset()).toBe(-60);
    expect(new Date(2027, 6, 1).getTimezoneOffset()).toBe(-120);
  });

  it('refuse an ARBEIDSFLATE_TEST_NOW that is not an instant', () => {
    for (const bad of ['2026-11-20', '2026-11-20T09:14:00', 'i morgen', '2027-02-29T10:00:00Z', '2026-11-20T24:00:00Z']) {
      expect(() => parseTestNow(bad), bad).toThrow(/ARBEIDSFLATE_TEST_NOW/);
    }
    expect(parseTestNow('2026-11-20T10:14:00+01:00')).toBe('2026-11-20T09:14:00.000Z');
  });
});

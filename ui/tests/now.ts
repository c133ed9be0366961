/**
 * The instant every UI test takes as "now". vitest.config.ts reads it from the
 * environment and provides it to both projects (the browser has no process.env);
 * tests read it as NOW from tests/fixtures/time.ts.
 */

/** Set to an RFC 3339 instant to run the tests at another moment (npm run test:dates does). */
export const TEST_NOW_VARIABLE = 'ARBEIDSFLATE_TEST_NOW';

/** A Friday in November: two-digit day and month, winter time, nowhere near midnight. */
export const DEFAULT_TEST_NOW = '2026-11-20T09:14:00Z';

const RFC3339 = /^\d{4}-\d{2}-\d{2}T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** The instant in `value` as RFC 3339 UTC; throws on anything else, so a typo is not silently "now". */
export function parseTestNow(value: string): string {
  const ms = RFC3339.test(value) ? Date.parse(value) : NaN;
  if (Number.isNaN(ms)) throw new Error(`${TEST_NOW_VARIABLE} is not an RFC 3339 instant: ${JSON.stringify(value)}`);
  // Date.parse rolls 2027-02-30 over to March; refuse a day the calendar does not have.
  const [date] = value.split('T');
  const [y, m, d] = (date ?? '').split('-').map(Number);
  const day = new Date(Date.UTC(y ?? 0, (m ?? 1) - 1, d ?? 1));
  if (day.getUTCMonth() !== (m ?? 1) - 1 || day.getUTCDate() !== d) {
    throw new Error(`${TEST_NOW_VARIABLE} names a day that does not exist: ${value}`);
  }
  return new Date(ms).toISOString();
}

/** The tests' now: from the environment when set, else the default. */
export function testNow(env: Record<string, string | undefined> = process.env): string {
  const value = env[TEST_NOW_VARIABLE];
  return parseTestNow(value === undefined || value === '' ? DEFAULT_TEST_NOW : value);
}

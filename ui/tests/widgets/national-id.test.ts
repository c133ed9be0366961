/** The national identity number as checked while it is typed (src/lib/nin.ts): pure, no DOM. */
import { describe, expect, it } from 'vitest';
import { checkNationalId } from '../../src/lib/nin';
import { checkDigits, formatNin, syntheticNin } from '../fixtures/nin';

const valid = syntheticNin('1934-03-01', 12);

/** `nin` with the digit at `i` replaced by the next one (9 → 0). */
function changed(nin: string, i: number): string {
  return `${nin.slice(0, i)}${(Number(nin[i]) + 1) % 10}${nin.slice(i + 1)}`;
}

/**
 * Eleven digits starting with `first6` (day, month, year) whose check digits are
 * deliberately wrong: the date is judged, the number can never be anyone's.
 */
function wrongCheck(first6: string): string {
  for (let individual = 100; individual < 1000; individual += 1) {
    const first9 = `${first6}${individual}`;
    const k = checkDigits(first9);
    // The right first check digit and a wrong second one: refused under either rule set.
    if (k) return `${first9}${k[0]}${(k[1] + 1) % 10}`;
  }
  throw new Error(`no check digits for ${first6}`);
}

describe('checkNationalId', () => {
  it('says empty, still typing, not digits and too long', () => {
    expect(checkNationalId('')).toBe('empty');
    expect(checkNationalId('   ')).toBe('empty');
    expect(checkNationalId('1')).toBe('typing');
    expect(checkNationalId(valid.slice(0, 10))).toBe('typing');
    expect(checkNationalId(`${valid.slice(0, 6)} ${valid.slice(6, 8)}`)).toBe('typing');
    expect(checkNationalId('12a')).toBe('not_digits');
    expect(checkNationalId(`${valid.slice(0, 10)}x`)).toBe('not_digits');
    expect(checkNationalId(`${valid}-`)).toBe('not_digits');
    expect(checkNationalId(`${valid}0`)).toBe('too_long');
  });

  it('accepts synthetic numbers (month + 80), with or without the space', () => {
    for (const [born, seed] of [
      ['1934-03-01', 12],
      ['1929-12-31', 230],
      ['1945-01-01', 101],
      ['2003-07-15', 0],
      // 29 February: the year is the backend's to judge.
      ['1936-02-29', 7],
    ] as const) {
      const nin = syntheticNin(born, seed);
      expect(checkNationalId(nin), nin).toBe('valid');
      expect(checkNationalId(formatNin(nin)), nin).toBe('valid');
      expect(checkNationalId(` ${formatNin(nin)} `), nin).toBe('valid');
    }
  });

  it('accepts synthetic D-numbers (day + 40)', () => {
    for (const born of ['1950-01-01', '1950-01-31', '1961-06-30', '2010-12-15']) {
      const nin = syntheticNin(born, 5, { dNumber: true });
      expect(Number(nin.slice(0, 2))).toBeGreaterThan(40);
      expect(checkNationalId(nin), nin).toBe('valid');
    }
  });

  it('reads month + 40 (H-numbers) as a month, without ever building a valid one', () => {
    // Months 41–52 are dates: only the (deliberately wrong) check digits are refused.
    for (const month of [41, 46, 52]) {
      expect(checkNationalId(wrongCheck(`15${month}50`)), `month ${month}`).toBe('bad_check');
    }
    // Just outside the ranges: not a month in any scheme.
    for (const month of [0, 13, 40, 53, 80, 93]) {
      expect(checkNationalId(wrongCheck(`15${String(month).padStart(2, '0')}50`)), `month ${month}`).toBe('bad_date');
    }
  });

  it('refuses dates that do not exist', () => {
    for (const first6 of ['008150', '328150', '318450', '308250', '728150', '408150']) {
      expect(checkNationalId(wrongCheck(first6)), first6).toBe('bad_date');
    }
    // A synthetic 31 April is a bad date, whatever the check digits.
    expect(checkNationalId(`3184${valid.slice(4)}`)).toBe('bad_date');
  });

  it('refuses a synthetic number with any one digit changed', () => {
    for (const nin of [valid, syntheticNin('2003-07-15', 600), syntheticNin('1950-01-31', 5, { dNumber: true })]) {
      for (let i = 0; i < 11; i += 1) {
        const typo = changed(nin, i);
        // A changed day or month may make the date impossible first.
        if (i < 4) expect(['bad_check', 'bad_date'], typo).toContain(checkNationalId(typo));
        else expect(checkNationalId(typo), typo).toBe('bad_check');
      }
    }
  });

  it('refuses two neighbouring digits swapped in the individual number', () => {
    const nin = syntheticNin('1941-11-01', 40);
    const swaps = [6, 7].map((i) => `${nin.slice(0, i)}${nin[i + 1]}${nin[i]}${nin.slice(i + 2)}`);
    for (const typo of swaps.filter((s) => s !== nin)) expect(checkNationalId(typo), typo).toBe('bad_check');
  });
});

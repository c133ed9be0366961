/**
 * Checks a Norwegian national identity number as it is typed, so the clinician sees a
 * mistyped digit before looking anyone up. The same rules as the backend (which checks
 * again): 11 digits, a valid date (D-numbers: day + 40; H-numbers: month + 40; Tenor's
 * synthetic persons: month + 80), and the mod-11 check digits in either rule set
 * (from 2032 the first check digit may leave remainder 0–3).
 */

export type NinCheck = 'empty' | 'typing' | 'not_digits' | 'too_long' | 'bad_date' | 'bad_check' | 'valid';

const W1 = [3, 7, 6, 1, 8, 9, 4, 5, 2, 1];
const W2 = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2, 1];

function weighted(digits: readonly number[], weights: readonly number[]): number {
  return weights.reduce((sum, w, i) => sum + w * (digits[i] ?? 0), 0);
}

function validDate(d: readonly number[]): boolean {
  let day = (d[0] ?? 0) * 10 + (d[1] ?? 0);
  let month = (d[2] ?? 0) * 10 + (d[3] ?? 0);
  if (day > 40) day -= 40;
  if (month > 80) month -= 80;
  else if (month > 40) month -= 40;
  if (month < 1 || month > 12 || day < 1) return false;
  // Any year: 29 February is allowed here; the backend knows the century.
  const daysIn = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] ?? 0;
  return day <= daysIn;
}

export function checkNationalId(typed: string): NinCheck {
  const value = typed.replace(/\s/g, '');
  if (!value) return 'empty';
  if (!/^\d+$/.test(value)) return 'not_digits';
  if (value.length < 11) return 'typing';
  if (value.length > 11) return 'too_long';
  const d = [...value].map(Number);
  if (!validDate(d)) return 'bad_date';
  const ok = weighted(d, W1) % 11 <= 3 && weighted(d, W2) % 11 === 0;
  return ok ? 'valid' : 'bad_check';
}

/** Translations for free-text codes the backend passes through from FHIR. */
import type { PartFailure } from './bindings/PartFailure';
import type { Unreadable } from './bindings/Unreadable';
import type { VitalKind } from './bindings/VitalKind';
import { formatAge } from './format';
import { t, type MessageKey } from './i18n/index.svelte';

function lookup(map: Record<string, MessageKey>, code: string): string | null {
  const key = Object.hasOwn(map, code) ? map[code] : undefined;
  return key ? t(key) : null;
}

const GENDERS: Record<string, MessageKey> = {
  male: 'gender.male',
  female: 'gender.female',
  other: 'gender.other',
  unknown: 'gender.unknown',
};

/** FHIR administrative gender → label; unknown codes are shown as given. */
export function genderLabel(code: string): string {
  return lookup(GENDERS, code) ?? code;
}

const CRITICALITIES: Record<string, MessageKey> = {
  high: 'allergies.criticality.high',
  low: 'allergies.criticality.low',
  'unable-to-assess': 'allergies.criticality.unable_to_assess',
};

export function criticalityLabel(code: string): string {
  return lookup(CRITICALITIES, code) ?? code;
}

const MEDICATION_STATUSES: Record<string, MessageKey> = {
  active: 'medications.status.active',
  completed: 'medications.status.completed',
  stopped: 'medications.status.stopped',
  'on-hold': 'medications.status.on_hold',
  intended: 'medications.status.intended',
  'not-taken': 'medications.status.not_taken',
  'entered-in-error': 'medications.status.entered_in_error',
  unknown: 'medications.status.unknown',
};

export function medicationStatusLabel(code: string): string {
  return lookup(MEDICATION_STATUSES, code) ?? code;
}

/** NEWS2 order, the order clinicians read them in. */
export const VITAL_ORDER: readonly VitalKind[] = [
  'respiratory_rate',
  'spo2',
  'systolic_bp',
  'diastolic_bp',
  'pulse',
  'consciousness',
  'temperature',
];

type MeasuredKind = Exclude<VitalKind, 'consciousness'>;

/**
 * Unit spellings the backend may send for each kind. Only a recognised unit is
 * replaced by the translated one; anything else is shown exactly as received, so a
 * value is never paired with the wrong unit.
 */
const UNIT_ALIASES: Record<MeasuredKind, readonly string[]> = {
  respiratory_rate: ['/min', 'pust/min', 'breaths/min', 'breaths/minute', 'åndedrag/min'],
  spo2: ['%'],
  systolic_bp: ['mmHg', 'mm[Hg]'],
  diastolic_bp: ['mmHg', 'mm[Hg]'],
  pulse: ['/min', 'slag/min', 'beats/min', 'beats/minute', 'bpm'],
  temperature: ['Cel', '°C', 'C'],
};

export function vitalUnit(kind: MeasuredKind, unit: string): string {
  return UNIT_ALIASES[kind].includes(unit) ? t(`unit.${kind}`) : unit;
}

const TASK_STATUSES: Record<string, MessageKey> = {
  requested: 'task_status.requested',
  accepted: 'task_status.accepted',
  'in-progress': 'task_status.in-progress',
  completed: 'task_status.completed',
  cancelled: 'task_status.cancelled',
  'on-hold': 'task_status.on-hold',
  failed: 'task_status.failed',
  rejected: 'task_status.rejected',
};

/** FHIR Task status → label; unknown codes are shown as given. */
export function taskStatusLabel(code: string): string {
  return lookup(TASK_STATUSES, code) ?? code;
}

/** Task statuses the platform lets a clinician complete (the backend checks again). */
export function isOpenTask(status: string): boolean {
  return status === 'requested' || status === 'accepted' || status === 'in-progress';
}

/** "for 2 t siden" / "2 hr ago", or "akkurat nå" under a minute. */
export function ageText(value: string, now: number): string {
  return formatAge(value, now) ?? t('time.just_now');
}

/**
 * What a list left out, by reason ("2 kunne ikke vises: 1 uten navn, 1 viser til en
 * pasient som mangler."), or null when nothing was.
 */
export function unreadableSummary(unreadable: Unreadable[]): string | null {
  const count = unreadable.reduce((n, u) => n + u.count, 0);
  if (count === 0) return null;
  // By reason: two lists (or record types) left out for the same reason are said once.
  const byReason = new Map<Unreadable['reason'], number>();
  for (const u of unreadable) byReason.set(u.reason, (byReason.get(u.reason) ?? 0) + u.count);
  const reasons = [...byReason].map(([reason, n]) => t(`unreadable.${reason}`, { count: n })).join(', ');
  return t('unreadable.summary', { count, reasons });
}

/** "allergier (Svarte ikke i tide), oppgaver (Feil i tjenesten)". */
export function partsText(failed: PartFailure[]): string {
  return failed.map((f) => `${t(`platform_part.${f.part}`)} (${t(`source_failure.${f.reason}`)})`).join(', ');
}

/**
 * Patients opened this session, newest first, for the worklist's "recently opened".
 * Kept in memory only: patient names never go to the webview's storage on disk, and
 * the list goes with the session (sign-out, another user, a lock that ends it).
 */
import type { PatientTarget } from './bindings/PatientTarget';

export interface RecentPatient {
  target: PatientTarget;
  name: string;
  nationalId: string;
}

const MAX_RECENT = 6;

export const recent: { patients: RecentPatient[] } = $state({ patients: [] });

function sameTarget(a: PatientTarget, b: PatientTarget): boolean {
  if (a.kind === 'worklist' && b.kind === 'worklist') return a.patient_ref === b.patient_ref;
  if (a.kind === 'national_id' && b.kind === 'national_id') return a.national_id === b.national_id;
  return false;
}

export function rememberOpened(patient: RecentPatient): void {
  const others = recent.patients.filter(
    (p) => !sameTarget(p.target, patient.target) && p.nationalId !== patient.nationalId,
  );
  recent.patients = [patient, ...others].slice(0, MAX_RECENT);
}

export function forgetRecent(): void {
  recent.patients = [];
}

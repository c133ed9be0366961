/** Handler tables for the usual situations; tests override single commands with `ipc.set`. */
import type { AccessRequest } from '../../src/lib/bindings/AccessRequest';
import type { Clinician } from '../../src/lib/bindings/Clinician';
import type { SyncReport } from '../../src/lib/bindings/SyncReport';
import type { Worklist } from '../../src/lib/bindings/Worklist';
import { appInfo, defaultLayout, offlineStatus, syncReport, wardNurse } from '../fixtures/app';
import { openScript, vitalsHistory, type OpenOptions, type PatientRecord } from '../fixtures/patient';
import { minutesAgo } from '../fixtures/time';
import { signalsFor, wardWorklist } from '../fixtures/worklists';
import { appError, type Handlers } from './ipc';

export { signalsFor };

export interface SignedIn {
  clinician?: Clinician | null;
  worklist?: Worklist;
  idleLockSeconds?: number;
  /** What the sync after sign-in could not keep. */
  syncUnreadable?: SyncReport['unreadable'];
}

/** Started with a session (or at sign-in with `clinician: null`), online, nothing unsent. */
export function signedIn(options: SignedIn = {}): Handlers {
  const clinician = options.clinician === undefined ? wardNurse : options.clinician;
  const worklist = options.worklist ?? wardWorklist();
  return {
    app_info: () => ({ ...appInfo, idle_lock_seconds: options.idleLockSeconds ?? appInfo.idle_lock_seconds }),
    current_clinician: () => clinician,
    worklist: () => worklist,
    worklist_signals: () => signalsFor(worklist),
    offline_status: () => offlineStatus({ cached_patients: worklist.entries.length }),
    sync_worklist: async ({ onProgress }, ctx) => {
      const progress = ctx.channel(onProgress);
      const total = worklist.entries.length;
      await progress.send({ done: 0, total, source: 'municipal' });
      await progress.send({ done: total, total, source: null });
      return { ...syncReport, patients: total, unreadable: options.syncUnreadable ?? [] };
    },
    outbox: () => [],
    catalogue_apps: () => [],
    prepare_patient: () => null,
    layout: () => defaultLayout(clinician?.role ?? 'nursing_home_nurse'),
    update_status: () => ({ state: 'up_to_date', checked_at: minutesAgo(20) }),
  };
}

/**
 * The patient commands for `records`: `open_patient` sends a patient's overview source
 * by source (anyone asked for by national identity number needs an access basis
 * first), and `vitals_history` answers for the patient opened last, as the backend
 * keeps one open patient.
 */
export function patients(
  records: PatientRecord[],
  options: OpenOptions | ((record: PatientRecord, access: AccessRequest | null) => OpenOptions) = {},
): Required<Pick<Handlers, 'open_patient' | 'vitals_history'>> {
  let opened: PatientRecord | null = null;
  return {
    open_patient: async ({ target, access, onPart }, ctx) => {
      opened = null;
      const record =
        target.kind === 'worklist'
          ? records.find((r) => r.ref === target.patient_ref)
          : records.find((r) => r.banner.national_id.replace(/\s/g, '') === target.national_id);
      if (!record) throw appError('patient_not_found', 'no such patient in the stub');
      if (target.kind === 'national_id' && !access) {
        throw appError('access_basis_required', 'patient is not on the worklist');
      }
      const script = openScript(record, typeof options === 'function' ? options(record, access) : options);
      const channel = ctx.channel(onPart);
      for (const event of script.events) await channel.send(event);
      opened = record;
      return script.final;
    },
    vitals_history: ({ period }) => {
      if (!opened) throw appError('patient_not_found', 'no patient is open');
      return vitalsHistory(opened, period);
    },
  };
}

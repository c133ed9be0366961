/**
 * The one IPC interface to the Rust backend. Components import `api` from here and
 * never call `invoke` themselves, so tests can stub this single module.
 *
 * Every function rejects with an `AppError`; anything the backend sends that is not
 * an `AppError` is wrapped as code "internal".
 */
import { Channel, invoke } from '@tauri-apps/api/core';
import type { AppError } from './bindings/AppError';
import type { AppInfo } from './bindings/AppInfo';
import type { Clinician } from './bindings/Clinician';
import type { ErrorCode } from './bindings/ErrorCode';
import type { AccessRequest } from './bindings/AccessRequest';
import type { ConflictChoice } from './bindings/ConflictChoice';
import type { DocumentView } from './bindings/DocumentView';
import type { OfflineStatus } from './bindings/OfflineStatus';
import type { OutboxItem } from './bindings/OutboxItem';
import type { OverviewEvent } from './bindings/OverviewEvent';
import type { PatientSignals } from './bindings/PatientSignals';
import type { PatientTarget } from './bindings/PatientTarget';
import type { SourceStatus } from './bindings/SourceStatus';
import type { SyncProgress } from './bindings/SyncProgress';
import type { SyncReport } from './bindings/SyncReport';
import type { UpdateStatus } from './bindings/UpdateStatus';
import type { VitalsEntry } from './bindings/VitalsEntry';
import type { LayoutItem } from './bindings/LayoutItem';
import type { VitalsHistory } from './bindings/VitalsHistory';
import type { VitalsPeriod } from './bindings/VitalsPeriod';
import type { Worklist } from './bindings/Worklist';
import type { WorkspaceLayout } from './bindings/WorkspaceLayout';
import type { WriteReceipt } from './bindings/WriteReceipt';

/** Every ErrorCode (the Record type makes the compiler flag a missing one). */
const KNOWN_ERROR_CODES: Record<ErrorCode, true> = {
  not_signed_in: true,
  session_expired: true,
  locked: true,
  sign_in_cancelled: true,
  sign_in_timed_out: true,
  sign_in_rejected: true,
  service_unavailable: true,
  service_error: true,
  patient_not_found: true,
  ambiguous_patient: true,
  access_basis_required: true,
  access_reason_required: true,
  document_unavailable: true,
  invalid_national_id: true,
  invalid_profile: true,
  keyring_unavailable: true,
  not_cached: true,
  offline_unavailable: true,
  unsent_writes: true,
  invalid_input: true,
  already_running: true,
  disk_full: true,
  update_required: true,
  update_unreachable: true,
  update_feed_invalid: true,
  update_signature_invalid: true,
  update_untrusted_key: true,
  update_version_mismatch: true,
  update_downgrade: true,
  update_install_failed: true,
  internal: true,
};

function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(KNOWN_ERROR_CODES, value);
}

export function isAppError(value: unknown): value is AppError {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return isErrorCode(v.code) && typeof v.detail === 'string';
}

/**
 * Errors after which only a new sign-in helps. `not_signed_in` goes back to the sign-in
 * screen; `session_expired` and `locked` lock the screen and keep it for the same user.
 */
export type SessionErrorCode = Extract<ErrorCode, 'not_signed_in' | 'session_expired' | 'locked'>;

export function isSessionError(error: AppError): error is AppError & { code: SessionErrorCode } {
  return error.code === 'not_signed_in' || error.code === 'session_expired' || error.code === 'locked';
}

/** Normalises anything thrown or rejected into an AppError. Idempotent. */
export function toAppError(error: unknown): AppError {
  if (isAppError(error)) return error;
  if (typeof error === 'object' && error !== null) {
    const v = error as Record<string, unknown>;
    if (typeof v.code === 'string') {
      const detail = typeof v.detail === 'string' ? v.detail : '';
      return { code: 'internal', detail: `unknown error code "${v.code}": ${detail}` };
    }
  }
  if (error instanceof Error) return { code: 'internal', detail: error.message };
  return { code: 'internal', detail: String(error) };
}

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (error) {
    throw toAppError(error);
  }
}

export const api = {
  appInfo: (): Promise<AppInfo> => call('app_info'),
  /**
   * Opens the system browser; resolves once the user has signed in (may take minutes).
   * `again` after the screen locked or the session expired: HelseID makes the person
   * authenticate anew, and whoever signs in may be someone else than before.
   */
  signIn: (again = false): Promise<Clinician> => call('sign_in', { again }),
  cancelSignIn: (): Promise<void> => call('cancel_sign_in'),
  currentClinician: (): Promise<Clinician | null> => call('current_clinician'),
  worklist: (): Promise<Worklist> => call('worklist'),
  /** Signals per worklist patient from the offline cache; `offline_unavailable` without one. */
  worklistSignals: (): Promise<PatientSignals[]> => call('worklist_signals'),
  /**
   * Opens a patient. The view's parts arrive through `onEvent` as each source answers;
   * the promise resolves with every source's final status. Rejects with
   * `access_basis_required` for anyone off the worklist unless `access` is given.
   */
  openPatient: (
    target: PatientTarget,
    access: AccessRequest | null,
    onEvent: (event: OverviewEvent) => void,
  ): Promise<SourceStatus[]> => {
    const onPart = new Channel<OverviewEvent>();
    onPart.onmessage = onEvent;
    return call('open_patient', { target, access, onPart });
  },
  /** The open patient's vital signs over a period (from the cache when offline). */
  vitalsHistory: (period: VitalsPeriod): Promise<VitalsHistory> => call('vitals_history', { period }),
  /** Opens a listed document of the open patient: text, or the system's PDF viewer. */
  openDocument: (id: number): Promise<DocumentView> => call('open_document', { id }),
  /** Tells the backend the screen is locked; data commands answer `locked` until `signIn(true)`. */
  lockSession: (): Promise<void> => call('lock_session'),
  /** Rejects with `unsent_writes` while writes wait in the outbox; see `signOutDiscarding`. */
  signOut: (): Promise<void> => call('sign_out'),
  /** Signs out and drops unsent writes; only after the user has confirmed it. */
  signOutDiscarding: (): Promise<void> => call('sign_out_discarding'),

  /** The offline cache and the outbox, for the status line. */
  offlineStatus: (): Promise<OfflineStatus> => call('offline_status'),
  /** Prepares the worklist for offline use; progress arrives through `onProgress`. */
  syncWorklist: (onProgress: (progress: SyncProgress) => void): Promise<SyncReport> => {
    const channel = new Channel<SyncProgress>();
    channel.onmessage = onProgress;
    return call('sync_worklist', { onProgress: channel });
  },
  /** Stops a running sync between two steps; what is stored stays. */
  cancelSync: (): Promise<void> => call('cancel_sync'),
  /** Rejects with `invalid_input` (the detail names the field) for a value out of range. */
  recordVitals: (patientRef: string, vitals: VitalsEntry): Promise<WriteReceipt> =>
    call('record_vitals', { patientRef, vitals }),
  recordNote: (patientRef: string, text: string): Promise<WriteReceipt> => call('record_note', { patientRef, text }),
  completeTask: (patientRef: string, taskId: string): Promise<WriteReceipt> =>
    call('complete_task', { patientRef, taskId }),
  /** Fetches a worklist patient's HelseID tokens ahead of opening them (see lib/prepare). */
  preparePatient: (patientRef: string): Promise<void> => call('prepare_patient', { patientRef }),
  /** Marks a visit on today's route as carried out; `invalid_input` if it already is. */
  completeVisit: (visitId: string): Promise<WriteReceipt> => call('complete_visit', { visitId }),
  outbox: (): Promise<OutboxItem[]> => call('outbox'),
  // Outbox ids are i64 in Rust (typed `bigint`), but arrive as JSON numbers; a BigInt
  // could not be serialised back, so they go out as numbers.
  retryWrite: (id: OutboxId): Promise<void> => call('retry_write', { id: Number(id) }),
  /** Drops a queued write; the UI has asked the user first. */
  discardWrite: (id: OutboxId): Promise<void> => call('discard_write', { id: Number(id) }),
  resolveConflict: (id: OutboxId, choice: ConflictChoice): Promise<void> =>
    call('resolve_conflict', { id: Number(id), choice }),
  /** Makes an unreadable cache anew; the UI has warned that its unsent writes are lost. */
  recreateCache: (): Promise<void> => call('recreate_cache'),

  /** The patient overview's widgets for the signed-in clinician (role default, IT's locks). */
  layout: (): Promise<WorkspaceLayout> => call('layout'),
  /** Rejects with `invalid_input` if the arrangement breaks IT's locks; nothing is saved then. */
  saveLayout: (items: LayoutItem[]): Promise<WorkspaceLayout> => call('save_layout', { items }),
  /** Back to the role's default. */
  resetLayout: (): Promise<WorkspaceLayout> => call('reset_layout'),

  /** Signed updates: off, checking, up to date, verified and ready, or refused (a notice). */
  updateStatus: (): Promise<UpdateStatus> => call('update_status'),
  /** Installs the verified update and restarts; `update_install_failed` says why not. */
  installUpdate: (): Promise<void> => call('install_update'),
};

/** An outbox entry's id as it arrives (a number at run time, `bigint` in the bindings). */
export type OutboxId = bigint | number;

export type Api = typeof api;

/**
 * The offline shift as the page sees it: the status line's numbers, the running sync
 * and its progress, and whether the outbox panel is open. One shared state, so the
 * header, the worklist and the patient view agree, and a sync keeps its progress bar
 * while the clinician looks at a patient.
 *
 * Everything here belongs to one signed-in session: `resetOffline()` forgets it at
 * sign-in and sign-out, and answers to calls made before that are dropped.
 */
import { api, isSessionError, toAppError } from './api';
import type { AppError } from './bindings/AppError';
import type { OfflineStatus } from './bindings/OfflineStatus';
import type { SyncProgress } from './bindings/SyncProgress';
import type { SyncReport } from './bindings/SyncReport';
import type { WorklistEntry } from './bindings/WorklistEntry';

/** How often the status line asks, besides after each write, sync and outbox action. */
export const STATUS_POLL_MS = 15_000;

interface OfflineState {
  status: OfflineStatus | null;
  syncing: boolean;
  progress: SyncProgress | null;
  report: SyncReport | null;
  syncError: AppError | null;
  /** Whether the last sync was started by the clinician (errors shown) or at sign-in. */
  manual: boolean;
  outboxOpen: boolean;
  /** Bumped whenever the outbox may have changed, so an open panel reloads. */
  outboxVersion: number;
}

export const offline: OfflineState = $state({
  status: null,
  syncing: false,
  progress: null,
  report: null,
  syncError: null,
  manual: false,
  outboxOpen: false,
  outboxVersion: 0,
});

/** Worklist names by patient ref, so the outbox can say whose entry it is. */
let names: Record<string, string> = $state({});

export function rememberPatients(entries: WorklistEntry[]): void {
  names = Object.fromEntries(entries.map((e) => [e.patient_ref, e.name]));
}

export function patientName(patientRef: string): string | null {
  return Object.hasOwn(names, patientRef) ? (names[patientRef] ?? null) : null;
}

/** Bumped by `resetOffline`: an answer from an earlier session is dropped. */
let session = 0;
let autoSynced = false;
/** Set while the screen is locked: nothing asks the backend then. */
let paused = false;
type SessionEnded = (error: AppError) => void;

/** The screen locked (true) or unlocked (false). */
export function pauseOffline(value: boolean): void {
  paused = value;
}

/** Forgets the previous session's offline state (sign-in, sign-out, another user). */
export function resetOffline(): void {
  session += 1;
  autoSynced = false;
  paused = false;
  names = {};
  offline.status = null;
  offline.syncing = false;
  offline.progress = null;
  offline.report = null;
  offline.syncError = null;
  offline.manual = false;
  offline.outboxOpen = false;
  offline.outboxVersion += 1;
}

/**
 * Asks for the status line's numbers. Errors other than session ones leave the last
 * known status on screen (the line is a summary, not the place for an error).
 */
export async function refreshStatus(onSessionEnded?: SessionEnded): Promise<void> {
  if (paused) return;
  const mine = session;
  try {
    const status = await api.offlineStatus();
    if (mine !== session) return;
    offline.status = status;
    offline.outboxVersion += 1;
  } catch (e) {
    if (mine !== session) return;
    const err = toAppError(e);
    if (isSessionError(err)) onSessionEnded?.(err);
  }
}

/** Polls the status until the returned function is called. */
export function startStatusPolling(onSessionEnded: SessionEnded): () => void {
  void refreshStatus(onSessionEnded);
  const timer = setInterval(() => void refreshStatus(onSessionEnded), STATUS_POLL_MS);
  return () => clearInterval(timer);
}

/**
 * Prepares the worklist for offline use. `manual` when the clinician asked: then a
 * failure is shown; the automatic sync after sign-in fails quietly when the platform
 * is out of reach (the status line says so already).
 */
export async function startSync(manual: boolean, onSessionEnded: SessionEnded): Promise<void> {
  if (offline.syncing) return;
  const mine = session;
  offline.syncing = true;
  offline.manual = manual;
  offline.progress = null;
  offline.report = null;
  offline.syncError = null;
  try {
    const report = await api.syncWorklist((progress) => {
      if (mine === session) offline.progress = progress;
    });
    if (mine !== session) return;
    offline.report = report;
  } catch (e) {
    if (mine !== session) return;
    const err = toAppError(e);
    if (isSessionError(err)) {
      onSessionEnded(err);
    } else if (manual || !quietWhenAutomatic(err)) {
      offline.syncError = err;
    }
  } finally {
    if (mine === session) {
      offline.syncing = false;
      void refreshStatus(onSessionEnded);
    }
  }
}

/** Failures the automatic sync need not show: no network, or no cache (both on the status line). */
function quietWhenAutomatic(err: AppError): boolean {
  return err.code === 'service_unavailable' || err.code === 'offline_unavailable';
}

/** The automatic sync, once per sign-in, when the worklist has loaded. */
export function autoSyncOnce(onSessionEnded: SessionEnded): void {
  if (autoSynced) return;
  autoSynced = true;
  // No cache on this machine (no keyring, disabled…): nothing to prepare, and the
  // status line already says why.
  if (offline.status && !offline.status.cache_available) return;
  void startSync(false, onSessionEnded);
}

export async function cancelSync(): Promise<void> {
  try {
    await api.cancelSync();
  } catch {
    // The sync ends by itself in any case; its report says whether it was cancelled.
  }
}

/** Whether unsent writes are known to wait (for the sign-out warning while locked). */
export function knownUnsent(): number {
  return offline.status?.unsent ?? 0;
}

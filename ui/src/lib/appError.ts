/**
 * The backend's errors as the page handles them: every command rejects with an
 * `AppError`, and anything else that is thrown is wrapped as code "internal".
 */
import type { AppError } from './bindings/AppError';
import type { ErrorCode } from './bindings/ErrorCode';

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
  gp_register_credentials: true,
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
  app_not_available: true,
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

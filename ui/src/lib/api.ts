/**
 * The one IPC interface to the Rust backend. Components import `api` from here and
 * never call `invoke` themselves, so tests can stub this single module.
 *
 * The functions are generated from the Rust commands (`commands.generated.ts`, by `make
 * bindings`); every one rejects with an `AppError` (`appError.ts`).
 */
import { commands } from './commands.generated';

export { isAppError, isSessionError, toAppError, type SessionErrorCode } from './appError';

export const api = commands;

/** An outbox entry's id as it arrives (a number at run time, `bigint` in the bindings). */
export type OutboxId = bigint | number;

export type Api = typeof api;

import { api, isSessionError, toAppError } from './api';
import type { AppError } from './bindings/AppError';
import type { WriteReceipt } from './bindings/WriteReceipt';

/** What became of a write: sent, kept to send later, refused, or in conflict. */
export type WriteOutcome = 'sent' | 'queued' | 'failed' | 'conflict';

/**
 * Runs a write and says what became of it; `null` when the session ended (already
 * handed to `onSessionEnded`). Other errors go back to the caller's form.
 */
export async function runWrite(
  run: () => Promise<WriteReceipt>,
  onSessionEnded: (error: AppError) => void,
): Promise<{ receipt: WriteReceipt; outcome: WriteOutcome } | null> {
  let receipt: WriteReceipt;
  try {
    receipt = await run();
  } catch (e) {
    const err = toAppError(e);
    if (isSessionError(err)) {
      onSessionEnded(err);
      return null;
    }
    throw err;
  }
  return { receipt, outcome: await outcomeOf(receipt) };
}

/** What the outbox says of a write the platform did not confirm at once. */
async function outcomeOf(receipt: WriteReceipt): Promise<WriteOutcome> {
  if (receipt.sent) return 'sent';
  try {
    const entry = (await api.outbox()).find((i) => String(i.id) === String(receipt.outbox_id));
    if (entry?.state === 'failed' || entry?.state === 'conflict') return entry.state;
  } catch {
    // The receipt alone says it is kept; the status line follows up.
  }
  return 'queued';
}

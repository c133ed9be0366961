/**
 * Preparing the patient the clinician is about to open: when a row's open button has
 * the pointer or the keyboard focus for a moment, the backend fetches that patient's
 * attested HelseID tokens ahead, so the click costs no HelseID round trip. HelseID
 * takes one refresh at a time, so only a row dwelt on is prepared (not every row the
 * pointer crosses), each at most once a minute from here; the backend throttles too.
 */

/** How long the pointer or focus must rest on a row before it is prepared. */
export const DWELL_MS = 250;
/** A patient prepared is not asked for again from this window within this time. */
export const PREPARED_FOR_MS = 60_000;

export interface Preparer {
  /** The pointer or focus came to `patientRef`'s row. */
  dwell(patientRef: string): void;
  /** Prepares at once (the next visit on a route). */
  now(patientRef: string): void;
  /** The pointer or focus left the rows. */
  leave(): void;
  /** Stops the pending dwell (the component went away). */
  stop(): void;
}

export function createPreparer(
  prepare: (patientRef: string) => Promise<unknown>,
  clock: () => number = () => Date.now(),
): Preparer {
  let pending: ReturnType<typeof setTimeout> | null = null;
  const askedAt = new Map<string, number>();

  function ask(patientRef: string): void {
    const last = askedAt.get(patientRef);
    if (last !== undefined && clock() - last < PREPARED_FOR_MS) return;
    askedAt.set(patientRef, clock());
    // Preparing is an optimisation: if it fails, opening fetches the tokens itself.
    void prepare(patientRef).catch(() => undefined);
  }

  function cancel(): void {
    if (pending !== null) clearTimeout(pending);
    pending = null;
  }

  return {
    dwell(patientRef) {
      cancel();
      pending = setTimeout(() => {
        pending = null;
        ask(patientRef);
      }, DWELL_MS);
    },
    now: ask,
    leave: cancel,
    stop: cancel,
  };
}

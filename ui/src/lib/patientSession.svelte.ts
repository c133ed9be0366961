/**
 * One patient open on the screen: opening it (and asking for an access basis when the
 * backend wants one), opening it again behind the view after a write, and what became
 * of the last write. `PatientOverview.svelte` renders it; `patientView.ts` folds the
 * parts the sources send into the view.
 */
import { api, isSessionError, toAppError } from './api';
import type { AccessRequest } from './bindings/AccessRequest';
import type { AppError } from './bindings/AppError';
import type { CareTask } from './bindings/CareTask';
import type { PatientTarget } from './bindings/PatientTarget';
import type { VitalsEntry } from './bindings/VitalsEntry';
import type { WriteKind } from './bindings/WriteKind';
import type { WriteReceipt } from './bindings/WriteReceipt';
import { refreshStatus } from './offline.svelte';
import { applyEvent, emptyView, type PatientView } from './patientView';
import { setScreen } from './screen';
import { runWrite, type WriteOutcome } from './writes';

/** What the session asks of the backend (the real one unless a test gives its own). */
export interface PatientBackend {
  openPatient: typeof api.openPatient;
  recordVitals: typeof api.recordVitals;
  recordNote: typeof api.recordNote;
  completeTask: typeof api.completeTask;
  acceptSuggestion: typeof api.acceptSuggestion;
  dismissCard: typeof api.dismissCard;
  /** The status line, after anything that tells the backend whether the platform answers. */
  refreshStatus: (onSessionEnded: (error: AppError) => void) => Promise<void>;
}

const realBackend: PatientBackend = {
  openPatient: api.openPatient,
  recordVitals: api.recordVitals,
  recordNote: api.recordNote,
  completeTask: api.completeTask,
  acceptSuggestion: api.acceptSuggestion,
  dismissCard: api.dismissCard,
  refreshStatus,
};

/** Set while the clinician must state a basis (off the worklist, or to open restricted data). */
export interface AccessQuestion {
  elevated: boolean;
  error: AppError | null;
}

/** What became of the last write, shown until the next one. */
export interface Written {
  kind: WriteKind;
  outcome: WriteOutcome;
  id: string;
}

export class PatientSession {
  view: PatientView = $state(emptyView());
  error: AppError | null = $state(null);
  asking: AccessQuestion | null = $state(null);
  written: Written | null = $state(null);
  /** Set while the view is opened again after a write (the old one stays on screen). */
  refreshing = $state(false);
  refreshError: AppError | null = $state(null);
  /** Counts the record's changes seen here, so widgets that fetch on their own fetch again. */
  recordVersion = $state(0);
  /** Counts the openings (a new basis opens anew), so focus goes to each one's name. */
  openings = $state(0);

  /** The worklist patient's reference; writes are for worklist patients only. */
  readonly patientRef: string | null;

  /** False once closed (e.g. the screen locked): a late part must not touch the page. */
  #open = true;
  /** Parts of an earlier opening (before a new basis was stated) are dropped. */
  #opening = 0;

  constructor(
    readonly target: PatientTarget,
    private readonly onSessionEnded: (error: AppError) => void,
    private readonly backend: PatientBackend = realBackend,
  ) {
    this.patientRef = target.kind === 'worklist' ? target.patient_ref : null;
  }

  /** A new opening: every earlier one's late answers are ignored from now on. */
  #begin(): () => boolean {
    const mine = ++this.#opening;
    return () => this.#open && mine === this.#opening;
  }

  async open(access: AccessRequest | null): Promise<void> {
    const current = this.#begin();
    this.view = emptyView();
    this.error = null;
    this.openings += 1;
    setScreen('loading');
    try {
      const statuses = await this.backend.openPatient(this.target, access, (event) => {
        if (current()) applyEvent(this.view, event);
      });
      if (!current()) return;
      this.view.sources = statuses;
      this.asking = null;
      setScreen('patient');
      void this.backend.refreshStatus(this.onSessionEnded);
    } catch (e) {
      if (!current()) return;
      const err = toAppError(e);
      if (isSessionError(err)) {
        this.onSessionEnded(err);
      } else if (err.code === 'access_basis_required' || err.code === 'access_reason_required') {
        const error = err.code === 'access_reason_required' ? err : null;
        this.asking = { elevated: this.asking?.elevated ?? false, error };
        setScreen('access');
      } else if (this.asking) {
        this.asking = { ...this.asking, error: err };
        setScreen('access');
      } else {
        this.error = err;
        setScreen('error');
      }
    }
  }

  /**
   * Opens the patient again behind the current view and swaps it in when every source
   * has answered, so a new measurement (and the NEWS2 it gives) shows at once without
   * the page going blank. Offline this is the cached view with the write in it.
   */
  async refresh(): Promise<void> {
    const current = this.#begin();
    const next = emptyView();
    // Parts go to the hidden view until it is swapped in. A channel message may still
    // arrive after the command's answer: from then on parts go to the view on screen
    // (the state proxy; the plain object behind it is no longer watched).
    let into: PatientView = next;
    this.refreshing = true;
    this.refreshError = null;
    try {
      const statuses = await this.backend.openPatient(this.target, null, (event) => {
        if (!current()) return;
        applyEvent(into, event);
        this.#dropUsed(into);
      });
      if (!current()) return;
      next.sources = statuses;
      // Decision support answers after the sources: until it does, its cards stand.
      for (const before of this.view.decisionSupport) {
        const now = next.decisionSupport.find((d) => d.status.service_id === before.status.service_id);
        if (!now) {
          next.decisionSupport.push(before);
        } else if (now.status.state.state === 'waiting') {
          // Asked again and not answered yet: the cards on screen (and what is open on
          // them) stay until the answer replaces them.
          now.cards = before.cards;
          now.leftOut = before.leftOut;
        }
      }
      this.#dropUsed(next);
      this.view = next;
      into = this.view;
      this.recordVersion += 1;
    } catch (e) {
      if (!current()) return;
      const err = toAppError(e);
      if (isSessionError(err)) this.onSessionEnded(err);
      else this.refreshError = err;
    } finally {
      if (current()) this.refreshing = false;
    }
  }

  saveVitals(entry: VitalsEntry): Promise<void> {
    return this.#write('vitals', (ref) => this.backend.recordVitals(ref, entry));
  }

  saveNote(text: string): Promise<void> {
    return this.#write('note', (ref) => this.backend.recordNote(ref, text));
  }

  completeTask(task: CareTask): Promise<void> {
    return this.#write('task_completed', (ref) => this.backend.completeTask(ref, task.id));
  }

  /** A decision-support suggestion the clinician confirmed: applied through the outbox. */
  acceptSuggestion(cardId: string, suggestionId: string): Promise<void> {
    return this.#cardUse(cardId, 'suggestion', () => this.backend.acceptSuggestion(cardId, suggestionId));
  }

  /** A card dismissed for today, with one of its reasons (or none) and a comment. */
  dismissCard(cardId: string, reasonCode: string | null, comment: string | null): Promise<void> {
    return this.#cardUse(cardId, 'feedback', () => this.backend.dismissCard(cardId, reasonCode, comment));
  }

  /** The clinician asks to open restricted data: the basis dialog, elevated. */
  elevate(): void {
    this.asking = { elevated: true, error: null };
    setScreen('access');
  }

  /** Back to the view when it is open (an elevation given up); otherwise `leave`. */
  cancelAccess(leave: () => void): void {
    if (this.view.access && this.asking?.elevated) {
      this.asking = null;
      setScreen('patient');
    } else {
      leave();
    }
  }

  close(): void {
    this.#open = false;
  }

  /**
   * Runs a write, says what became of it, updates the status line and shows the new
   * state of the record. Errors other than session ones go back to the form.
   */
  /** A card used: gone from the view at once, then as a write (its receipt, a refresh). */
  /** Cards used in this session: an answer asked for before the use never shows them again. */
  // Not reactive on purpose: it filters parts as they come, and nothing renders from it.
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  #used = new Set<string>();

  #dropUsed(view: PatientView): void {
    if (this.#used.size === 0) return;
    for (const service of view.decisionSupport) {
      if (service.cards.some((c) => this.#used.has(c.id))) {
        service.cards = service.cards.filter((c) => !this.#used.has(c.id));
      }
    }
  }

  async #cardUse(cardId: string, kind: WriteKind, run: () => Promise<WriteReceipt>): Promise<void> {
    await this.#write(kind, async () => {
      const receipt = await run();
      this.#used.add(cardId);
      this.#dropUsed(this.view);
      return receipt;
    });
  }

  async #write(kind: WriteKind, run: (patientRef: string) => Promise<WriteReceipt>): Promise<void> {
    const ref = this.patientRef;
    if (!ref) return;
    const done = await runWrite(() => run(ref), this.onSessionEnded);
    if (!done || !this.#open) return;
    this.written = { kind, outcome: done.outcome, id: String(done.receipt.outbox_id) };
    void this.backend.refreshStatus(this.onSessionEnded);
    await this.refresh();
  }
}

/**
 * The open patient's session, without a page: asking for a basis, dropping a stale
 * opening's late parts, a refresh that keeps the old view until the new one is whole,
 * and writes only for worklist patients.
 */
import { describe, expect, it, vi } from 'vitest';
import type { AppError } from '../../src/lib/bindings/AppError';
import type { OverviewEvent } from '../../src/lib/bindings/OverviewEvent';
import type { PatientTarget } from '../../src/lib/bindings/PatientTarget';
import type { SourceStatus } from '../../src/lib/bindings/SourceStatus';
import { PatientSession, type PatientBackend } from '../../src/lib/patientSession.svelte';
import { queuedReceipt, sentReceipt } from '../fixtures/app';
import { openScript, patientRecord } from '../fixtures/patient';
import { wardWorklist } from '../fixtures/worklists';

const entry = wardWorklist().entries[0]!;
const record = patientRecord(entry);
const onWorklist: PatientTarget = { kind: 'worklist', patient_ref: entry.patient_ref };

type OnEvent = (event: OverviewEvent) => void;

/** A backend whose openings the test answers by hand, in any order. */
function scriptedBackend() {
  const openings: { access: unknown; onEvent: OnEvent; answer: (s: SourceStatus[]) => void; fail: (e: AppError) => void }[] =
    [];
  const backend: PatientBackend = {
    openPatient: (_target, access, onEvent) =>
      new Promise((answer, fail) => openings.push({ access, onEvent, answer, fail })),
    recordVitals: vi.fn(async () => sentReceipt),
    recordNote: vi.fn(async () => queuedReceipt),
    completeTask: vi.fn(async () => sentReceipt),
    acceptSuggestion: vi.fn(async () => sentReceipt),
    dismissCard: vi.fn(async () => sentReceipt),
    refreshStatus: vi.fn(async () => {}),
  };
  return { backend, openings };
}

/** Sends a whole opening's parts and its answer. */
function answerWhole(opening: { onEvent: OnEvent; answer: (s: SourceStatus[]) => void }): SourceStatus[] {
  const script = openScript(record);
  script.events.forEach((e) => opening.onEvent(e));
  opening.answer(script.final);
  return script.final;
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('the open patient', () => {
  it('asks for a basis when the backend wants one, then opens with it', async () => {
    const { backend, openings } = scriptedBackend();
    const session = new PatientSession(onWorklist, vi.fn(), backend);
    const first = session.open(null);
    openings[0]!.fail({ code: 'access_basis_required', detail: 'off the worklist' });
    await first;
    expect(session.asking).toEqual({ elevated: false, error: null });
    expect(session.view.banner).toBeNull();

    const access = { basis: 'akutt' as const, reason: 'Bevisstløs i gangen' };
    const second = session.open(access);
    expect(openings[1]!.access).toEqual(access);
    const final = answerWhole(openings[1]!);
    await second;
    expect(session.asking).toBeNull();
    expect(session.view.banner?.name).toBe(record.banner.name);
    expect(session.view.sources).toEqual(final);
    expect(backend.refreshStatus).toHaveBeenCalledTimes(1);
  });

  it('drops the parts of an opening that a newer one replaced, and everything once closed', async () => {
    const { backend, openings } = scriptedBackend();
    const session = new PatientSession(onWorklist, vi.fn(), backend);
    void session.open(null);
    void session.open(null);
    answerWhole(openings[0]!); // the first answers late
    await settle();
    expect(session.view.banner).toBeNull();
    expect(session.openings).toBe(2);

    session.close();
    answerWhole(openings[1]!);
    await settle();
    expect(session.view.banner).toBeNull();
  });

  it('keeps the view on screen while it is opened again, and says when that fails', async () => {
    const { backend, openings } = scriptedBackend();
    const session = new PatientSession(onWorklist, vi.fn(), backend);
    void session.open(null);
    answerWhole(openings[0]!);
    await settle();
    const shown = session.view;

    const again = session.refresh();
    expect(session.refreshing).toBe(true);
    openScript(record).events.slice(0, 2).forEach((e) => openings[1]!.onEvent(e));
    expect(session.view).toBe(shown); // the half-opened view stays hidden
    openings[1]!.answer(openScript(record).final);
    await again;
    expect(session.view).not.toBe(shown);
    expect(session.recordVersion).toBe(1);
    expect(session.refreshing).toBe(false);

    const failing = session.refresh();
    openings[2]!.fail({ code: 'service_unavailable', detail: 'no network' });
    await failing;
    expect(session.refreshError?.code).toBe('service_unavailable');
    expect(session.view.banner?.name).toBe(record.banner.name);
  });

  it("keeps a service's cards through a refresh until its new answer replaces them", async () => {
    const { backend, openings } = scriptedBackend();
    const session = new PatientSession(onWorklist, vi.fn(), backend);
    void session.open(null);
    answerWhole(openings[0]!);
    const status = (state: 'waiting' | 'fresh') => ({
      service_id: 'klinisk-vurdering',
      name: 'Klinisk vurdering',
      state: { state },
      fetched_at: null,
      elapsed_ms: null,
      detail: null,
    });
    const card = (summary: string) => ({
      id: 'kort-1',
      has_service_id: true,
      service_id: 'klinisk-vurdering',
      summary,
      detail_html: null,
      indicator: 'info' as const,
      source: { label: 'Sandkassen', url: null, topic: null },
      links: [],
      suggestions: [],
      selection_behavior: null,
      left_out_suggestions: [],
      override_reasons: [],
      received_at: '2026-11-20T09:00:00Z',
    });
    const word = (state: 'waiting' | 'fresh', cards: ReturnType<typeof card>[]): OverviewEvent => ({
      seq: 99,
      emitted_at_ms: 0,
      parts: [{ part: 'decision_support', status: status(state), cards, left_out: [] }],
    });
    openings[0]!.onEvent(word('fresh', [card('Vurder fallrisiko')]));
    await settle();

    // Opened again after a write: the service is asked again and says it is waiting
    // before the sources are done; its card must not blink away meanwhile.
    const again = session.refresh();
    openings[1]!.onEvent(word('waiting', []));
    openings[1]!.answer(openScript(record).final);
    await again;
    expect(session.view.decisionSupport[0]?.status.state.state).toBe('waiting');
    expect(session.view.decisionSupport[0]?.cards.map((c) => c.summary)).toEqual(['Vurder fallrisiko']);
    openings[1]!.onEvent(word('fresh', [card('Vurder fallrisiko på nytt')]));
    expect(session.view.decisionSupport[0]?.cards.map((c) => c.summary)).toEqual(['Vurder fallrisiko på nytt']);
  });

  it('hands a session error to the page instead of showing it', async () => {
    const { backend, openings } = scriptedBackend();
    const ended = vi.fn();
    const session = new PatientSession(onWorklist, ended, backend);
    const opening = session.open(null);
    openings[0]!.fail({ code: 'locked', detail: '' });
    await opening;
    expect(ended).toHaveBeenCalledWith({ code: 'locked', detail: '' });
    expect(session.error).toBeNull();
  });

  it('records for a worklist patient and opens the record again; never for anyone else', async () => {
    const { backend, openings } = scriptedBackend();
    const session = new PatientSession(onWorklist, vi.fn(), backend);
    const saving = session.saveNote('Sov godt.');
    await vi.waitFor(() => expect(openings).toHaveLength(1));
    answerWhole(openings[0]!);
    await saving;
    expect(backend.recordNote).toHaveBeenCalledWith(entry.patient_ref, 'Sov godt.');
    expect(session.written).toMatchObject({ kind: 'note', id: String(queuedReceipt.outbox_id) });

    const looked = scriptedBackend();
    const stranger = new PatientSession(
      { kind: 'national_id', national_id: entry.national_id },
      vi.fn(),
      looked.backend,
    );
    await stranger.saveNote('Sov godt.');
    expect(looked.backend.recordNote).not.toHaveBeenCalled();
    expect(stranger.written).toBeNull();
  });
});

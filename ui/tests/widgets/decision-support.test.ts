import { describe, expect, it, vi } from 'vitest';
import DecisionSupport from '../../src/components/patient/DecisionSupport.svelte';
import { api } from '../../src/lib/api';
import type { DecisionCard } from '../../src/lib/bindings/DecisionCard';
import { applyEvent, emptyView, type PatientView } from '../../src/lib/patientView';
import { HOSTILE } from '../fixtures/patient';
import { minutesAgo } from '../fixtures/time';
import { render, textOf } from './render';

const SERVICE = 'klinisk-vurdering';

function card(id: string, indicator: DecisionCard['indicator'], summary: string): DecisionCard {
  return {
    id,
    has_service_id: true,
    service_id: SERVICE,
    summary,
    detail_html: null,
    indicator,
    source: { label: 'Sandkassens beslutningsstøtte', url: null, topic: null },
    links: [],
    suggestions: [],
    selection_behavior: null,
    left_out_suggestions: [],
    override_reasons: [],
    received_at: minutesAgo(1),
  };
}

/** A view that heard from the service as the backend sends it, part by part. */
function viewWith(parts: Parameters<typeof applyEvent>[1]['parts']): PatientView {
  const view = emptyView();
  applyEvent(view, { seq: 0, emitted_at_ms: 0, parts });
  return view;
}

const status = (state: PatientView['decisionSupport'][number]['status']['state']) => ({
  service_id: SERVICE,
  name: 'Klinisk vurdering',
  state,
  fetched_at: minutesAgo(1),
  elapsed_ms: 200,
  detail: null,
});

describe('DecisionSupport', () => {
  it('shows critical first, then warning, then info, each with who sent it and when', () => {
    const view = viewWith([
      {
        part: 'decision_support',
        status: status({ state: 'fresh' }),
        cards: [card('i', 'info', 'Vurder fallrisiko'), card('c', 'critical', 'NEWS2 7'), card('w', 'warning', 'Allergi')],
        left_out: [{ reason: 'unknown_indicator', count: 2 }],
      },
    ]);
    const r = render(DecisionSupport, { view, onSessionEnded: () => {} });
    expect(r.all('cds-card').map((c) => c.dataset.indicator)).toEqual(['critical', 'warning', 'info']);
    expect(r.all('cds-summary').map(textOf)).toEqual(['NEWS2 7', 'Allergi', 'Vurder fallrisiko']);
    expect(textOf(r.all('cds-provenance')[0])).toContain('Fra Sandkassens beslutningsstøtte (Klinisk vurdering)');
    expect(textOf(r.get('cds-left-out'))).toBe(
      '2 kort fra Klinisk vurdering kunne ikke vises (ukjent alvorlighetsgrad).',
    );
    expect(r.query('cds-none')).toBeNull();
  });

  it('says which service failed and why, and that none advised when none did', () => {
    const view = viewWith([
      { part: 'decision_support', status: status({ state: 'failed', reason: 'timed_out' }), cards: [], left_out: [] },
      {
        part: 'decision_support',
        status: { ...status({ state: 'fresh' }), service_id: 'annen', name: 'Annen tjeneste' },
        cards: [],
        left_out: [],
      },
    ]);
    const r = render(DecisionSupport, { view, onSessionEnded: () => {} });
    expect(r.all('cds-card')).toEqual([]);
    expect(textOf(r.get('cds-none'))).toBe('Ingen råd fra beslutningsstøtte for denne pasienten.');
    const failed = r.all('cds-status').find((s) => s.dataset.state === 'failed');
    expect(textOf(failed)).toBe('Klinisk vurdering ga ingen råd: svarte ikke i tide.');
  });

  it('does not claim "no advice" while a service is still asked, and keeps cards until replaced', () => {
    const view = viewWith([
      { part: 'decision_support', status: status({ state: 'fresh' }), cards: [card('c', 'critical', 'NEWS2 7')], left_out: [] },
    ]);
    applyEvent(view, {
      seq: 1,
      emitted_at_ms: 0,
      parts: [{ part: 'decision_support', status: status({ state: 'waiting' }), cards: [], left_out: [] }],
    });
    const r = render(DecisionSupport, { view, onSessionEnded: () => {} });
    expect(r.all('cds-summary').map(textOf)).toEqual(['NEWS2 7']);
    expect(r.get('cds-status').dataset.state).toBe('waiting');
    expect(r.query('cds-none')).toBeNull();
  });

  it('shows hostile text as text and opens links through the backend by card and index', async () => {
    const hostile = card('h', 'warning', HOSTILE);
    hostile.links = [
      { label: 'Retningslinje', url: 'https://www.helsedirektoratet.no/x', kind: 'absolute', app_id: null, app_context: null },
      { label: 'Ukjent app', url: 'https://other.example/launch', kind: 'smart', app_id: null, app_context: null },
      { label: 'Fallrisiko', url: 'http://127.0.0.1:4406/launch.html', kind: 'smart', app_id: 'fallrisiko', app_context: null },
    ];
    const open = vi.spyOn(api, 'openCardLink').mockResolvedValue(undefined);
    const view = viewWith([{ part: 'decision_support', status: status({ state: 'fresh' }), cards: [hostile], left_out: [] }]);
    const r = render(DecisionSupport, { view, onSessionEnded: () => {} });
    expect(textOf(r.get('cds-summary'))).toBe(HOSTILE);
    expect(r.target.querySelectorAll('script, img, iframe').length).toBe(0);
    const links = r.all('cds-link');
    expect(links.map(textOf)).toEqual(['Retningslinje', 'Fallrisiko']);
    expect(r.text()).toContain('Ukjent app (appen er ikke i katalogen)');
    links[1]!.click();
    await vi.waitFor(() => expect(open).toHaveBeenCalledWith('h', 2));
    open.mockRestore();
  });

  it('applies a suggestion only after showing what it does and the clinician confirms', async () => {
    const critical = card('c', 'critical', 'NEWS2 7');
    critical.suggestions = [
      {
        id: 's1',
        label: 'Be om legetilsyn',
        recommended: true,
        actions: [{ kind: 'create', description: 'Legetilsyn: NEWS2 7', resource_type: 'Task' }],
      },
    ];
    critical.selection_behavior = 'at_most_one';
    const accept = vi.fn(async () => {});
    const dismiss = vi.fn(async () => {});
    const view = viewWith([{ part: 'decision_support', status: status({ state: 'fresh' }), cards: [critical], left_out: [] }]);
    const r = render(DecisionSupport, { view, onSessionEnded: () => {}, actions: { accept, dismiss } });
    r.get('cds-accept').click();
    await vi.waitFor(() => expect(r.query('cds-confirm-panel')).not.toBeNull());
    expect(r.all('cds-action').map(textOf)).toEqual(['Ny oppgave: Legetilsyn: NEWS2 7']);
    expect(accept).not.toHaveBeenCalled();
    r.get('cds-cancel').click();
    await vi.waitFor(() => expect(r.query('cds-confirm-panel')).toBeNull());
    expect(accept).not.toHaveBeenCalled();
    r.get('cds-accept').click();
    await vi.waitFor(() => expect(r.query('cds-confirm')).not.toBeNull());
    r.get('cds-confirm').click();
    await vi.waitFor(() => expect(accept).toHaveBeenCalledWith('c', 's1'));
    expect(dismiss).not.toHaveBeenCalled();
  });

  it("keeps another card's panel open when an earlier confirmation finishes", async () => {
    const critical = card('c', 'critical', 'NEWS2 7');
    critical.suggestions = [{ id: 's1', label: 'Be om legetilsyn', recommended: true, actions: [] }];
    const info = card('i', 'info', 'Vurder fallrisiko');
    // The accepted write resolves only once the record has been shown again.
    let written: () => void = () => {};
    const accept = vi.fn(() => new Promise<void>((resolve) => (written = resolve)));
    const view = viewWith([
      { part: 'decision_support', status: status({ state: 'fresh' }), cards: [critical, info], left_out: [] },
    ]);
    const r = render(DecisionSupport, { view, onSessionEnded: () => {}, actions: { accept, dismiss: vi.fn() } });
    r.get('cds-accept').click();
    await vi.waitFor(() => expect(r.query('cds-confirm')).not.toBeNull());
    r.get('cds-confirm').click();
    await vi.waitFor(() => expect(accept).toHaveBeenCalledWith('c', 's1'));
    // While the write and the refresh go on, she opens the other card's dismissal.
    r.get('cds-dismiss').click();
    await vi.waitFor(() => expect(r.query('cds-dismiss-panel')).not.toBeNull());
    written();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(r.query('cds-dismiss-panel')).not.toBeNull();
  });

  it("dismisses with one of the service's reasons and a comment, and says why when it cannot", async () => {
    const info = card('i', 'info', 'Vurder fallrisiko');
    info.override_reasons = [
      { system: 'urn:x', code: 'allerede-vurdert', display: 'Allerede vurdert av lege' },
      { system: 'urn:x', code: 'ikke-relevant', display: 'Ikke relevant nå' },
    ];
    const dismiss = vi
      .fn<(cardId: string, reason: string | null, comment: string | null) => Promise<void>>()
      .mockRejectedValueOnce({ code: 'patient_not_found', detail: 'the patient is not on your worklist' })
      .mockResolvedValue(undefined);
    const view = viewWith([{ part: 'decision_support', status: status({ state: 'fresh' }), cards: [info], left_out: [] }]);
    const r = render(DecisionSupport, { view, onSessionEnded: () => {}, actions: { accept: vi.fn(), dismiss } });
    r.get('cds-dismiss').click();
    await vi.waitFor(() => expect(r.query('cds-dismiss-panel')).not.toBeNull());
    const select = r.get('cds-reason') as HTMLSelectElement;
    expect([...select.options].map((o) => o.text)).toEqual([
      'Ingen begrunnelse',
      'Allerede vurdert av lege',
      'Ikke relevant nå',
    ]);
    select.value = 'ikke-relevant';
    select.dispatchEvent(new Event('change'));
    const comment = r.get('cds-comment') as HTMLInputElement;
    comment.value = '  Vurdert på visitten ';
    comment.dispatchEvent(new Event('input'));
    r.get('cds-dismiss-confirm').click();
    await vi.waitFor(() => expect(r.query('cds-error')).not.toBeNull());
    expect(dismiss).toHaveBeenLastCalledWith('i', 'ikke-relevant', 'Vurdert på visitten');
    // Nothing lost: the panel and what was chosen stay for another try.
    expect(r.query('cds-dismiss-panel')).not.toBeNull();
    r.get('cds-dismiss-confirm').click();
    await vi.waitFor(() => expect(r.query('cds-dismiss-panel')).toBeNull());
    expect(dismiss).toHaveBeenCalledTimes(2);
  });

  it('offers no action where nothing can be recorded', () => {
    const critical = card('c', 'critical', 'NEWS2 7');
    critical.suggestions = [{ id: 's1', label: 'Be om legetilsyn', recommended: false, actions: [] }];
    const view = viewWith([{ part: 'decision_support', status: status({ state: 'fresh' }), cards: [critical], left_out: [] }]);
    const r = render(DecisionSupport, { view, onSessionEnded: () => {} });
    expect(r.query('cds-accept')).toBeNull();
    expect(r.query('cds-dismiss')).toBeNull();
    expect(textOf(r.get('cds-suggestion'))).toBe('Forslag: Be om legetilsyn');
  });
});

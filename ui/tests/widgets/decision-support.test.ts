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
});

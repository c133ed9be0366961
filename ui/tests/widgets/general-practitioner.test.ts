import { describe, expect, it } from 'vitest';
import GeneralPractitioner from '../../src/components/patient/GeneralPractitioner.svelte';
import PatientBanner from '../../src/components/patient/PatientBanner.svelte';
import type { GpDetails } from '../../src/lib/bindings/GpDetails';
import { gpOnList, HOSTILE, patientRecord, provenance, sourceStatus } from '../fixtures/patient';
import { wardWorklist } from '../fixtures/worklists';
import { render, textOf } from './render';

const record = () => patientRecord(wardWorklist().entries[0]!);
const fresh = sourceStatus('gp_register', { state: 'fresh' });
const noList: GpDetails = { registration: { kind: 'no_list' }, provenance: provenance('Fastlegeregisteret') };

function banner(gp: GpDetails | null, gpStatus = fresh) {
  const { banner, person } = record();
  return render(PatientBanner, { banner, person, headingId: 'h', gp, gpStatus });
}

describe('the GP in the banner', () => {
  it('names the GP, the office and the number to call', () => {
    const r = banner(gpOnList());
    expect(r.get('banner-gp').dataset.kind).toBe('on_list');
    expect(textOf(r.get('banner-gp'))).toBe('Fastlege: Kari Nordby Sandvik legesenter tlf. 12 00 11 01');
    expect(textOf(r.get('banner-gp-phone'))).toBe('tlf. 12 00 11 01');
  });

  it('says a list without a GP and no list at all, never leaving the field empty', () => {
    const without = banner(gpOnList({ gp: null }));
    expect(textOf(without.get('banner-gp-none'))).toBe('Liste uten fast lege');
    expect(textOf(without.get('banner-gp-phone'))).toBe('tlf. 12 00 11 01');
    expect(without.query('banner-gp-name')).toBeNull();
    expect(textOf(banner(noList).get('banner-gp-none'))).toBe('Står ikke på noen fastlegeliste');
  });

  it('says unknown when the register failed, waits while it is asked, and is silent when not configured', () => {
    const failed = banner(null, sourceStatus('gp_register', { state: 'failed', reason: 'timed_out' }));
    expect(textOf(failed.get('banner-gp-unknown'))).toBe('Ukjent – Fastlegeregisteret svarte ikke');
    expect(failed.get('banner-gp').dataset.kind).toBe('unknown');
    const waiting = banner(null, sourceStatus('gp_register', { state: 'waiting' }));
    expect(textOf(waiting.get('banner-gp'))).toBe('Fastlege: Spør Fastlegeregisteret …');
    expect(banner(null, sourceStatus('gp_register', { state: 'not_configured' })).query('banner-gp')).toBeNull();
  });

  it('marks a substitute holding the list', () => {
    const r = banner(gpOnList({ gp: { hpr_number: '9200009', name: 'Vera Vikar', substitute: true } }));
    expect(textOf(r.get('banner-gp-name'))).toBe('Vera Vikar (vikar)');
  });
});

describe('the GP widget', () => {
  it('shows the GP, the office with its number, and where it came from', () => {
    const r = render(GeneralPractitioner, { gp: gpOnList(), status: fresh });
    expect(textOf(r.get('gp-name'))).toBe('Kari Nordby');
    expect(textOf(r.get('gp-hpr'))).toBe('HPR-nummer 9200001');
    expect(textOf(r.get('gp-office'))).toBe('Sandvik legesenter');
    expect(textOf(r.get('gp-phone'))).toBe('12 00 11 01');
    expect(r.query('gp-history')).toBeNull();
    expect(textOf(r.get('item-source'))).toBe('Fastlegeregisteret');
  });

  it('shows both GPs when the list changed hands, the new one first', () => {
    const ane = { hpr_number: '9200006', name: 'Ane Berg', substitute: false };
    const tor = { hpr_number: '9200005', name: 'Tor Haug', substitute: false };
    const gp = gpOnList({
      gp: ane,
      doctors: [
        { gp: ane, from: '2026-11-29', to: null },
        { gp: tor, from: '2012-01-01', to: '2026-11-28' },
      ],
    });
    const r = render(GeneralPractitioner, { gp, status: fresh });
    expect(r.all('gp-history-item').map(textOf)).toEqual(['Ane Berg fra 29.11.2026', 'Tor Haug 01.01.2012–28.11.2026']);
  });

  it('says a list without a GP, no list, and why nothing came', () => {
    const without = render(GeneralPractitioner, { gp: gpOnList({ gp: null }), status: fresh });
    expect(textOf(without.get('gp-without'))).toBe('Liste uten fast lege');
    expect(textOf(without.get('gp-phone'))).toBe('12 00 11 01');
    expect(textOf(render(GeneralPractitioner, { gp: noList, status: fresh }).get('gp-no-list'))).toBe(
      'Står ikke på noen fastlegeliste',
    );
    const failed = render(GeneralPractitioner, {
      gp: null,
      status: sourceStatus('gp_register', { state: 'failed', reason: 'unreachable' }),
    });
    expect(failed.get('source-notice').dataset.state).toBe('failed');
    expect(failed.query('gp-name')).toBeNull();
  });

  it('renders whatever the register said as text', () => {
    const gp = gpOnList({ gp: { hpr_number: '1', name: HOSTILE, substitute: false } });
    const r = render(GeneralPractitioner, { gp, status: fresh });
    expect(textOf(r.get('gp-name'))).toBe(HOSTILE);
    expect(r.get('gp-widget').querySelector('img')).toBeNull();
  });
});

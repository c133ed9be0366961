import { describe, expect, it, vi } from 'vitest';
import { userEvent } from 'vitest/browser';
import AllergyList from '../../src/components/patient/AllergyList.svelte';
import DocumentList from '../../src/components/patient/DocumentList.svelte';
import MedicationList from '../../src/components/patient/MedicationList.svelte';
import WarningList from '../../src/components/patient/WarningList.svelte';
import { api } from '../../src/lib/api';
import { patientRecord, sourceStatus } from '../fixtures/patient';
import { shownDateTime } from '../fixtures/time';
import { wardWorklist } from '../fixtures/worklists';
import { render, textOf } from './render';

const record = () => patientRecord(wardWorklist().entries[0]!);
const noop = (): void => {};

describe('AllergyList', () => {
  it('says there are none only as "none recorded in the sources that answered"', () => {
    const r = render(AllergyList, {
      allergies: [],
      critical: sourceStatus('kjernejournal', { state: 'fresh' }),
      onElevate: noop,
    });
    expect(r.text()).toContain('Ingen allergier registrert i kildene som har svart');
    expect(r.query('source-notice')).toBeNull();
    expect(r.all('allergy-item')).toHaveLength(0);
  });

  it('says Kjernejournal is still asked while it has not answered', () => {
    const r = render(AllergyList, {
      allergies: record().platformAllergies,
      critical: sourceStatus('kjernejournal', { state: 'slow' }),
      onElevate: noop,
    });
    const notice = r.get('source-notice');
    expect(notice.dataset.state).toBe('slow');
    expect(textOf(notice)).toBe('Venter på Kjernejournal …');
    expect(r.all('allergy-item')).toHaveLength(1);
  });

  it('shows each allergy with criticality, reaction and every source that has it', async () => {
    const r = render(AllergyList, {
      allergies: record().allergies,
      critical: sourceStatus('kjernejournal', { state: 'fresh' }),
      onElevate: noop,
    });
    const [penicillin, latex] = r.all('allergy-item');
    expect(textOf(penicillin?.querySelector('.substance'))).toBe('Penicillin');
    expect(penicillin?.classList.contains('high')).toBe(true);
    expect(penicillin?.querySelector('[data-testid="allergy-criticality"]')?.getAttribute('data-criticality')).toBe(
      'high',
    );
    expect(textOf(penicillin)).toContain('Reaksjon: Anafylaksi');
    const sources = [...(penicillin?.querySelectorAll('[data-testid="item-source"]') ?? [])].map(textOf);
    expect(sources).toEqual(['Kommunal plattform', 'Kjernejournal']);
    expect(latex?.classList.contains('high')).toBe(false);
    expect(textOf(latex?.querySelector('[data-testid="allergy-criticality"]'))).toBe('Lav kritikalitet');

    // The details (who recorded it, when fetched) open from the source badges.
    const details = penicillin?.querySelector('details') as HTMLDetailsElement;
    expect(details.open).toBe(false);
    await userEvent.click(details.querySelector('summary') as HTMLElement);
    expect(details.open).toBe(true);
    const kj = [...details.querySelectorAll('[data-testid="provenance-detail"]')][1];
    expect(textOf(kj)).toContain('Registrert av Fastlege Test Testesen');
    expect(textOf(kj)).toContain(`Hentet ${shownDateTime(record().allergies[0]!.sources[1]!.fetched_at)}`);
  });

  it('says the patient has reserved themselves, without claiming there are no allergies', () => {
    const r = render(AllergyList, {
      allergies: [],
      critical: sourceStatus('kjernejournal', { state: 'not_available', reason: 'reserved' }),
      onElevate: noop,
    });
    const notice = r.get('source-notice');
    expect(notice.dataset.reason).toBe('reserved');
    expect(notice.classList.contains('warning')).toBe(true);
    expect(textOf(notice)).toContain('det betyr ikke at pasienten ikke har allergier');
  });

  it('offers elevated access when Kjernejournal is restricted', async () => {
    const onElevate = vi.fn();
    const r = render(AllergyList, {
      allergies: [],
      critical: sourceStatus('kjernejournal', { state: 'not_available', reason: 'restricted' }),
      onElevate,
    });
    await userEvent.click(r.get('elevate-access'));
    expect(onElevate).toHaveBeenCalledOnce();
  });

  it('says a failed source may leave the list incomplete', () => {
    const r = render(AllergyList, {
      allergies: record().platformAllergies,
      critical: sourceStatus('kjernejournal', { state: 'failed', reason: 'timed_out' }),
      onElevate: noop,
    });
    expect(textOf(r.get('source-notice'))).toBe(
      'Kjernejournal svarte ikke. Listen under kan derfor være ufullstendig.',
    );
    expect(r.all('allergy-item')).toHaveLength(1);
    expect(r.query('elevate-access')).toBeNull();
  });
});

describe('MedicationList', () => {
  it('keeps the national list’s earlier versions closed until asked for, then shows them', async () => {
    const rec = record();
    const r = render(MedicationList, {
      medications: rec.medications,
      retrievals: rec.retrievals,
      history: rec.medicationHistory,
      list: sourceStatus('medication_list', { state: 'fresh' }),
    });
    const history = r.get('medication-history') as HTMLDetailsElement;
    expect(history.open).toBe(false);
    expect(textOf(history.querySelector('summary'))).toBe('Tidligere versjoner i legemiddellisten (1)');
    expect(textOf(history)).not.toContain('50 mg om morgenen');
    await userEvent.click(history.querySelector('summary')!);
    expect(history.open).toBe(true);
    const [earlier] = r.all('medication-history-item');
    expect(textOf(earlier)).toContain('Metoprolol 50 mg depottablett');
    expect(textOf(earlier)).toContain('50 mg om morgenen');
    expect(earlier?.querySelector('[data-testid="item-source"]')?.textContent).toBe('Pasientens legemiddelliste');
    const none = render(MedicationList, { medications: [], retrievals: [], list: undefined });
    expect(none.query('medication-history')).toBeNull();
  });

  it('says none are recorded', () => {
    const r = render(MedicationList, {
      medications: [],
      retrievals: [],
      list: sourceStatus('medication_list', { state: 'fresh' }),
    });
    expect(r.text()).toContain('Ingen legemidler registrert i kildene som har svart');
    expect(r.all('register-retrieval')).toHaveLength(0);
  });

  it('shows dosage, start, sources, disagreements and which registers were read', () => {
    const rec = record();
    rec.medications[0]!.medication.status = 'on-hold';
    const r = render(MedicationList, {
      medications: rec.medications,
      retrievals: rec.retrievals,
      list: sourceStatus('medication_list', { state: 'fresh' }),
    });
    const [paracetamol, metoprolol] = r.all('medication-item');
    expect(textOf(paracetamol?.querySelector('.medication-name'))).toBe('Paracetamol 500 mg tablett');
    expect(textOf(paracetamol?.querySelector('[data-testid="medication-status"]'))).toBe('Pause');
    expect(textOf(paracetamol)).toContain('1 g inntil 3 ganger daglig ved behov');
    expect(textOf(paracetamol)).toContain('Fra 10.02.2024');
    expect(metoprolol?.querySelector('[data-testid="medication-status"]')).toBeNull();
    const disagreement = metoprolol?.querySelector('[data-testid="disagreement"]');
    expect(disagreement?.getAttribute('data-kind')).toBe('dosage');
    expect(textOf(disagreement)).toBe(
      'Ulik dosering Kommunal plattform: «50 mg om morgenen» – Pasientens legemiddelliste: «25 mg morgen og kveld»',
    );
    const [kj, rf] = r.all('register-retrieval');
    expect(textOf(kj)).toBe(`Kjernejournal lest ${shownDateTime(rec.retrievals[0]!.retrieved_at!)}`);
    expect(rf?.classList.contains('failed')).toBe(true);
    expect(textOf(rf)).toBe('Reseptformidleren svarte ikke (feilkode RF-503). Listen kan være ufullstendig.');
  });

  it('says the list was not kept for offline use', () => {
    const r = render(MedicationList, {
      medications: [],
      retrievals: [],
      list: sourceStatus('medication_list', { state: 'not_available', reason: 'not_cached' }),
    });
    expect(textOf(r.get('source-notice'))).toBe('Pasientens legemiddelliste: Ikke lagret for frakoblet bruk.');
  });
});

describe('WarningList', () => {
  it('renders nothing without warnings', () => {
    const r = render(WarningList, { warnings: [] });
    expect(r.target.children).toHaveLength(0);
  });

  it('shows each warning with its source and category', () => {
    const r = render(WarningList, { warnings: record().warnings });
    const items = r.all('patient-warning');
    expect(items.map((w) => w.dataset.category)).toEqual(['safety', 'clinical']);
    expect(textOf(items[0])).toBe('⚠ Fallrisiko Kommunal plattform');
    expect(r.target.querySelector('section')?.getAttribute('aria-label')).toBe('Varsler');
    // The symbol is decoration; screen readers hear the text.
    expect(items[0]?.querySelector('[aria-hidden="true"]')?.textContent).toBe('⚠');
  });
});

describe('DocumentList', () => {
  it('says the sharing service is still asked before any list has come', () => {
    const r = render(DocumentList, { documents: null, sharing: sourceStatus('documents', { state: 'waiting' }) });
    expect(textOf(r.get('source-notice'))).toBe('Venter på Dokumentdeling …');
    expect(r.text()).not.toContain('Ingen delte dokumenter');
  });

  it('says there are none', () => {
    const r = render(DocumentList, {
      documents: { items: [], hidden: 0 },
      sharing: sourceStatus('documents', { state: 'fresh' }),
    });
    expect(r.text()).toContain('Ingen delte dokumenter.');
    expect(r.query('documents-hidden')).toBeNull();
  });

  it('lists documents with author, source and hidden count; unsafe ones cannot be opened', () => {
    const r = render(DocumentList, {
      documents: record().documents,
      sharing: sourceStatus('documents', { state: 'fresh' }),
    });
    const [epikrise, henvisning] = r.all('document-item');
    expect(textOf(epikrise)).toContain('Epikrise fra Sandvik sykehus');
    expect(textOf(epikrise)).toContain('03.10.2025');
    expect(textOf(epikrise)).toContain('Lege Test Eksempel');
    expect(textOf(epikrise?.querySelector('[data-testid="item-source"]'))).toBe('Dokumentdeling');
    expect(epikrise?.querySelector('[data-testid="open-document"]')).not.toBeNull();
    expect(henvisning?.querySelector('[data-testid="open-document"]')).toBeNull();
    expect(textOf(henvisning)).toContain('Dokumentet har en usikker adresse og kan ikke åpnes.');
    expect(textOf(r.get('documents-hidden'))).toBe('1 dokument(er) er skjult etter pasientens ønske.');
  });

  it('shows why a document could not be opened', async () => {
    const open = vi.spyOn(api, 'openDocument').mockRejectedValue({ code: 'document_unavailable', detail: 'HTTP 404' });
    const r = render(DocumentList, {
      documents: record().documents,
      sharing: sourceStatus('documents', { state: 'fresh' }),
    });
    await userEvent.click(r.get('open-document'));
    await expect.poll(() => r.query('document-error')).not.toBeNull();
    expect(r.get('document-error').dataset.errorCode).toBe('document_unavailable');
    expect(r.query('document-viewer')).toBeNull();
    open.mockRestore();
  });
});

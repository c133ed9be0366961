/** The components follow the locale switch at run time, as the app's language buttons do. */
import { flushSync } from 'svelte';
import { describe, expect, it } from 'vitest';
import AllergyList from '../../src/components/patient/AllergyList.svelte';
import CarePanel from '../../src/components/patient/CarePanel.svelte';
import VitalsGrid from '../../src/components/patient/VitalsGrid.svelte';
import { i18n } from '../../src/lib/i18n/index.svelte';
import { patientRecord, sourceStatus } from '../fixtures/patient';
import { wardWorklist } from '../fixtures/worklists';
import { render, textOf } from './render';

const record = () => patientRecord(wardWorklist().entries[0]!);

describe('locale', () => {
  it('switches labels to English and Nynorsk and back, numbers and all', () => {
    const rec = record();
    const allergies = render(AllergyList, {
      allergies: rec.allergies,
      critical: sourceStatus('kjernejournal', { state: 'failed', reason: 'unreachable' }),
      onElevate: () => {},
    });
    const vitals = render(VitalsGrid, { vitals: rec.vitals, news2: rec.news2 });
    const care = render(CarePanel, { care: rec.care, onComplete: () => Promise.resolve() });
    const heading = () => textOf(allergies.target.querySelector('h2'));
    const temperature = () => textOf(vitals.all('vital-item').find((v) => v.dataset.kind === 'temperature'));
    expect(heading()).toBe('Allergier');
    expect(temperature()).toContain('37,9 °C');

    i18n.setLocale('en');
    flushSync();
    expect(document.documentElement.lang).toBe('en');
    expect(heading()).toBe('Allergies');
    expect(textOf(allergies.get('allergy-criticality'))).toBe('High criticality');
    expect(textOf(allergies.get('source-notice'))).toBe(
      'Kjernejournal did not answer. The list below may be incomplete.',
    );
    expect(textOf(vitals.target.querySelector('h2'))).toBe('Latest vital signs');
    // English formats numbers with a decimal point.
    expect(temperature()).toContain('37.9 °C');
    expect(textOf(care.all('task-complete')[0])).toBe('Done');

    i18n.setLocale('nn');
    flushSync();
    expect(heading()).toBe('Allergiar');
    expect(textOf(allergies.get('allergy-criticality'))).toBe('Høg kritikalitet');
    expect(textOf(allergies.get('source-notice'))).toBe(
      'Kjernejournal svarte ikkje. Lista under kan difor vere ufullstendig.',
    );
    expect(textOf(vitals.target.querySelector('h2'))).toBe('Siste vitale parametrar');
    expect(temperature()).toContain('37,9 °C');
    expect(localStorage.getItem('arbeidsflate.locale')).toBe('nn');

    i18n.setLocale('nb');
    flushSync();
    expect(heading()).toBe('Allergier');
  });
});

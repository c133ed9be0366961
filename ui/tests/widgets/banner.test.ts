import { flushSync } from 'svelte';
import { describe, expect, it } from 'vitest';
import PatientBanner from '../../src/components/patient/PatientBanner.svelte';
import { hasValidCheckDigits, isSynthetic } from '../fixtures/nin';
import { patientRecord } from '../fixtures/patient';
import { wardWorklist } from '../fixtures/worklists';
import { i18n } from '../../src/lib/i18n/index.svelte';
import { render, textOf } from './render';

const record = () => patientRecord(wardWorklist().entries[0]!);

describe('PatientBanner', () => {
  it('marks critical information and a reservation against Kjernejournal, and neither when there is none', () => {
    const { banner, person } = record();
    const marked = render(PatientBanner, { banner, person, headingId: 'h1', reserved: true, criticalAllergies: 2 });
    expect(textOf(marked.get('patient-critical'))).toBe('⚠ Kritisk informasjon: 2 alvorlig(e) allergi(er)');
    expect(marked.get('patient-critical').querySelector('[aria-hidden="true"]')?.textContent).toBe('⚠');
    expect(textOf(marked.get('patient-reserved'))).toBe('Reservert mot kjernejournal');
    const plain = render(PatientBanner, { banner, person, headingId: 'h2' });
    expect(plain.query('patient-critical')).toBeNull();
    expect(plain.query('patient-reserved')).toBeNull();
  });

  it('shows name, age, gender and national identity number, marked synthetic', () => {
    const { banner, person } = record();
    expect(isSynthetic(banner.national_id) && hasValidCheckDigits(banner.national_id)).toBe(true);
    const r = render(PatientBanner, { banner, person, headingId: 'patient-heading' });
    const name = r.get('patient-name');
    expect(name.tagName).toBe('H1');
    expect(textOf(name)).toBe('Astrid Testesen');
    expect(textOf(r.get('patient-age'))).toBe(`${banner.age} år`);
    expect(textOf(r.get('patient-gender'))).toBe('Kvinne');
    expect(textOf(r.get('patient-nin'))).toBe(banner.national_id);
    expect(r.get('patient-nin').classList.contains('invalid')).toBe(false);
    expect(textOf(r.get('patient-synthetic'))).toBe('Syntetisk testperson');
    expect(textOf(r.get('patient-address'))).toBe('Solbakkvegen 10, 9990 Sandvik');
    expect(r.query('patient-nin-invalid')).toBeNull();
    expect(r.query('patient-deceased')).toBeNull();
    // The section is named by its heading.
    expect(r.get('patient-banner').getAttribute('aria-labelledby')).toBe(name.id);
  });

  it('flags a number that failed validation', () => {
    const { banner } = record();
    const r = render(PatientBanner, {
      banner: { ...banner, national_id_valid: false, synthetic: false },
      person: null,
      headingId: 'h',
    });
    expect(r.get('patient-nin').classList.contains('invalid')).toBe(true);
    expect(textOf(r.get('patient-nin-invalid'))).toBe('Ugyldig fødselsnummer – kontroller identiteten');
    expect(r.query('patient-synthetic')).toBeNull();
  });

  it('never shows a protected address, only that it is protected', () => {
    const { banner, person } = record();
    const r = render(PatientBanner, {
      banner,
      person: { ...person, address: { kind: 'protected', level: 'strictly_confidential' } },
      headingId: 'h',
    });
    expect(r.query('patient-address')).toBeNull();
    expect(r.get('address-protected').dataset.level).toBe('strictly_confidential');
    expect(textOf(r.get('address-protected'))).toBe('Strengt fortrolig adresse – vises ikke');
    expect(r.text()).not.toContain('Solbakkvegen');
  });

  it('says the register records the person as dead', () => {
    const { banner, person } = record();
    const r = render(PatientBanner, { banner, person: { ...person, death_date: '2025-11-20' }, headingId: 'h' });
    expect(textOf(r.get('patient-deceased'))).toBe('Død 20.11.2025');
    expect(r.get('patient-deceased').getAttribute('role')).toBe('status');
  });

  it('can move focus to the patient name', () => {
    const { banner, person } = record();
    const r = render(PatientBanner, { banner, person, headingId: 'h' });
    (r.component as { focus: () => void }).focus();
    flushSync();
    expect(document.activeElement).toBe(r.get('patient-name'));
  });

  it('says where its facts come from, and the sources’ disagreement in English and nynorsk too', () => {
    const { banner, person } = record();
    const identity = {
      fields: ['gender'] as ('gender')[],
      claims: [
        { source: 'national_id_number' as const, name: null, national_id: banner.national_id, birth_date: null, gender: 'female' },
        { source: 'platform' as const, name: banner.name, national_id: banner.national_id, birth_date: null, gender: 'male' },
      ],
    };
    const said = (['en', 'nn'] as const).map((locale) => {
      i18n.setLocale(locale);
      const r = render(PatientBanner, { banner, person, headingId: `h-${locale}`, identity });
      return [textOf(r.get('identity-fields')), textOf(r.get('banner-source'))];
    });
    expect(said).toEqual([
      ['They disagree on: sex. Verify the identity before you go on.', `Details from ${banner.source}`],
      ['Usamde om: kjønn. Kontroller identiteten før du går vidare.', `Opplysningar frå ${banner.source}`],
    ]);
  });
});

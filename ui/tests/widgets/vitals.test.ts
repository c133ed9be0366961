import { describe, expect, it, vi } from 'vitest';
import { userEvent } from 'vitest/browser';
import News2Summary from '../../src/components/patient/News2Summary.svelte';
import VitalsForm from '../../src/components/patient/VitalsForm.svelte';
import VitalsGrid from '../../src/components/patient/VitalsGrid.svelte';
import type { News2 } from '../../src/lib/bindings/News2';
import type { VitalsEntry } from '../../src/lib/bindings/VitalsEntry';
import { patientRecord, sourceStatus } from '../fixtures/patient';
import { hoursAgo, shownDateTime } from '../fixtures/time';
import { wardWorklist } from '../fixtures/worklists';
import { render, textOf } from './render';

const record = () => patientRecord(wardWorklist().entries[0]!);

describe('VitalsGrid', () => {
  it('says none are recorded, and shows no NEWS2 without values', () => {
    const r = render(VitalsGrid, {
      vitals: [],
      news2: record().news2,
      source: sourceStatus('municipal', { state: 'fresh' }),
    });
    expect(r.text()).toContain('Ingen vitale parametre registrert i kommunal plattform');
    expect(r.query('news2')).toBeNull();
  });

  it('shows the values in NEWS2 order with local units, decimal comma and source', () => {
    const r = render(VitalsGrid, {
      vitals: record().vitals,
      news2: record().news2,
      source: sourceStatus('municipal', { state: 'fresh' }),
    });
    const items = r.all('vital-item');
    expect(items.map((i) => i.dataset.kind)).toEqual([
      'respiratory_rate',
      'spo2',
      'systolic_bp',
      'diastolic_bp',
      'pulse',
      'consciousness',
      'temperature',
    ]);
    const byKind = (kind: string) => items.find((i) => i.dataset.kind === kind);
    expect(textOf(byKind('pulse')?.querySelector('.vital-value'))).toBe('88 slag/min');
    expect(textOf(byKind('temperature')?.querySelector('.vital-value'))).toBe('37,9 °C');
    expect(textOf(byKind('systolic_bp')?.querySelector('.vital-value'))).toBe('132 mmHg');
    expect(textOf(byKind('consciousness')?.querySelector('.vital-value'))).toBe('A');
    const fetched = record().vitals[0]!.provenance.fetched_at;
    expect(textOf(byKind('pulse')?.querySelector('[data-testid="provenance"]'))).toBe(
      `Kilde: Kommunal plattform · hentet ${shownDateTime(fetched)}`,
    );
    expect(r.query('source-notice')).toBeNull();
    expect(r.query('news2')).not.toBeNull();
  });

  it('shows a unit it does not know exactly as received', () => {
    const vitals = record()
      .vitals.filter((v) => v.kind === 'temperature')
      .map((v) => ({ ...v, unit: '[degF]', value: 99.5 }));
    const r = render(VitalsGrid, { vitals, news2: record().news2 });
    expect(textOf(r.get('vital-item').querySelector('.vital-value'))).toBe('99,5 [degF]');
  });

  it('says how old saved values are when the platform answered from the offline cache', () => {
    const fetched = hoursAgo(3);
    const r = render(VitalsGrid, {
      vitals: record().vitals,
      news2: record().news2,
      source: sourceStatus('municipal', { state: 'cached' }, { fetched_at: fetched }),
    });
    const notice = r.get('source-notice');
    expect(notice.dataset.state).toBe('cached');
    expect(textOf(notice)).toBe(`Kommunal plattform: lagrede data fra ${shownDateTime(fetched)} (for 3 t siden).`);
  });
});

describe('News2Summary', () => {
  it('shows the total, the risk and each parameter with its points', () => {
    const r = render(News2Summary, { news2: record().news2 });
    expect(r.get('news2').dataset.risk).toBe('low');
    expect(textOf(r.get('news2-total'))).toBe('NEWS2 3');
    expect(r.text()).toContain('Lav risiko');
    expect(r.text()).toContain('Oksygentilførsel er ikke registrert; regnet som romluft.');
    const inputs = [...r.target.querySelectorAll('.news2-inputs li')].map(textOf);
    expect(inputs).toHaveLength(7);
    const spo2 = record().news2.inputs.find((i) => i.parameter === 'spo2')!;
    expect(inputs[1]).toBe(`SpO₂ 1 p ${shownDateTime(spo2.measured_at!)}`);
    // The oxygen input is an assumption: no time.
    expect(inputs[2]).toBe('Oksygentilførsel 0 p');
    expect(r.query('news2-incomplete')).toBeNull();
  });

  it('says the score is incomplete and which parameters are missing', () => {
    const news2: News2 = {
      ...record().news2,
      total: 7,
      risk: 'high',
      inputs: record().news2.inputs.filter((i) => i.parameter !== 'pulse' && i.parameter !== 'temperature'),
      missing: ['pulse', 'temperature'],
      oxygen_assumed_air: false,
    };
    const r = render(News2Summary, { news2 });
    expect(r.get('news2').dataset.risk).toBe('high');
    expect(r.target.querySelector('.news2-risk')?.classList.contains('risk-high')).toBe(true);
    expect(textOf(r.get('news2-incomplete'))).toBe('Ufullstendig – mangler: Puls, Temperatur');
    expect(r.text()).not.toContain('romluft');
  });
});

describe('VitalsForm', () => {
  const fill = async (r: ReturnType<typeof render>, values: Record<string, string>): Promise<void> => {
    for (const [testid, value] of Object.entries(values)) await userEvent.fill(r.get(testid), value);
  };

  it('refuses what is not a number, on its field, without saving', async () => {
    const onSave = vi.fn(() => Promise.resolve());
    const r = render(VitalsForm, { onSave });
    await fill(r, { 'vitals-pulse': '8o', 'vitals-temperature': '37,2' });
    await userEvent.click(r.get('vitals-save'));
    const errors = r.all('vitals-field-error');
    expect(errors.map((e) => e.dataset.field)).toEqual(['pulse']);
    expect(textOf(errors[0])).toBe('Skriv et tall.');
    const input = r.get('vitals-pulse');
    expect(input.getAttribute('aria-invalid')).toBe('true');
    expect(input.getAttribute('aria-describedby')).toBe(errors[0]?.id);
    expect(onSave).not.toHaveBeenCalled();
  });

  it('refuses a diastolic pressure at or above the systolic, without saving', async () => {
    const onSave = vi.fn(() => Promise.resolve());
    const r = render(VitalsForm, { onSave });
    await fill(r, { 'vitals-systolic': '80', 'vitals-diastolic': '120' });
    await userEvent.click(r.get('vitals-save'));
    expect(r.all('vitals-field-error').map((e) => e.dataset.field)).toEqual(['diastolicBp']);
    expect(textOf(r.get('vitals-field-error'))).toBe('Diastolisk må være lavere enn systolisk.');
    expect(onSave).not.toHaveBeenCalled();
  });

  it('asks for both blood pressure values, and for at least one value', async () => {
    const onSave = vi.fn(() => Promise.resolve());
    const r = render(VitalsForm, { onSave });
    await userEvent.click(r.get('vitals-save'));
    expect(textOf(r.get('vitals-form-message'))).toBe('Fyll inn minst én måling.');
    expect(r.get('vitals-form-message').getAttribute('role')).toBe('alert');
    await fill(r, { 'vitals-systolic': '130' });
    await userEvent.click(r.get('vitals-save'));
    expect(textOf(r.get('vitals-form-message'))).toBe('Blodtrykk trenger både systolisk og diastolisk verdi.');
    expect(onSave).not.toHaveBeenCalled();
  });

  it('saves what was filled in, with decimal commas read as numbers, and clears the form', async () => {
    const onSave = vi.fn((_entry: VitalsEntry) => Promise.resolve());
    const r = render(VitalsForm, { onSave });
    await fill(r, {
      'vitals-pulse': '88',
      'vitals-temperature': '37,9',
      'vitals-systolic': '132',
      'vitals-diastolic': '78',
    });
    await userEvent.selectOptions(r.get('vitals-consciousness'), 'new_confusion');
    await userEvent.click(r.get('vitals-save'));
    expect(onSave).toHaveBeenCalledExactlyOnceWith({
      respiratoryRate: null,
      spo2: null,
      systolicBp: 132,
      diastolicBp: 78,
      pulse: 88,
      temperature: 37.9,
      consciousness: 'new_confusion',
    });
    await expect.poll(() => (r.get('vitals-pulse') as HTMLInputElement).value).toBe('');
    expect((r.get('vitals-consciousness') as HTMLSelectElement).value).toBe('');
  });

  it("puts the backend's range refusal on its field, in the user's language", async () => {
    // Ranges are the backend's to judge: the form passes 400 on and shows the refusal.
    const onSave = vi.fn(() => Promise.reject({ code: 'invalid_input', detail: 'pulse must be between 20 and 300' }));
    const r = render(VitalsForm, { onSave });
    await fill(r, { 'vitals-pulse': '400' });
    await userEvent.click(r.get('vitals-save'));
    await expect.poll(() => r.query('vitals-field-error')).not.toBeNull();
    expect(r.get('vitals-field-error').dataset.field).toBe('pulse');
    expect(textOf(r.get('vitals-field-error'))).toBe('Må være mellom 20 og 300.');
    // The value stays for the nurse to correct.
    expect((r.get('vitals-pulse') as HTMLInputElement).value).toBe('400');
    expect(r.query('vitals-error')).toBeNull();
  });

  it('says it is saving and takes no second save meanwhile', async () => {
    let finish!: () => void;
    const onSave = vi.fn(() => new Promise<void>((resolve) => (finish = resolve)));
    const r = render(VitalsForm, { onSave });
    await fill(r, { 'vitals-spo2': '96' });
    await userEvent.click(r.get('vitals-save'));
    const save = r.get('vitals-save') as HTMLButtonElement;
    await expect.poll(() => textOf(save)).toBe('Lagrer …');
    expect(save.disabled).toBe(true);
    r.get('vitals-form').dispatchEvent(new SubmitEvent('submit', { cancelable: true }));
    expect(onSave).toHaveBeenCalledOnce();
    finish();
    await expect.poll(() => textOf(save)).toBe('Lagre målinger');
    expect(save.disabled).toBe(false);
  });

  it('says why nothing can be recorded and keeps saving off', () => {
    const r = render(VitalsForm, { onSave: () => Promise.resolve(), blocked: 'Registrering er ikke mulig nå: test' });
    expect(textOf(r.get('write-blocked'))).toBe('Registrering er ikke mulig nå: test');
    expect((r.get('vitals-save') as HTMLButtonElement).disabled).toBe(true);
  });
});

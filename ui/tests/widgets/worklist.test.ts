import { describe, expect, it, vi } from 'vitest';
import { userEvent } from 'vitest/browser';
import PatientLookup from '../../src/components/worklist/PatientLookup.svelte';
import SignalCells from '../../src/components/worklist/SignalCells.svelte';
import type { PatientSignals } from '../../src/lib/bindings/PatientSignals';
import { i18n } from '../../src/lib/i18n/index.svelte';
import { unreadableSummary } from '../../src/lib/labels';
import { formatNin, syntheticNin } from '../fixtures/nin';
import { shownWhen } from '../fixtures/time';
import { signalsFor, wardWorklist } from '../fixtures/worklists';
import { render, textOf } from './render';

/** The cells go in a worklist row, as WardTable and RouteTable put them. */
const ROW = '<table><tbody><tr></tr></tbody></table>';

/** First: NEWS2 7 (high), two tasks, a new document. Last: not stored offline. */
const signals = signalsFor(wardWorklist());

function cells(s: PatientSignals | undefined) {
  const r = render(SignalCells, { signals: s }, { within: ROW });
  const cell = (testid: string) => r.get(testid);
  /** What a screen reader reads in a cell: its text, visually hidden or not, minus aria-hidden parts. */
  const spoken = (testid: string) => {
    const copy = cell(testid).cloneNode(true) as HTMLElement;
    for (const hidden of copy.querySelectorAll('[aria-hidden="true"]')) hidden.remove();
    return (copy.textContent ?? '').replace(/\s+/g, ' ').trim();
  };
  return { r, cell, spoken };
}

describe('SignalCells', () => {
  it('renders four cells of the row, each labelled for the card layout', () => {
    const { r } = cells(signals[0]);
    const tds = [...r.target.children];
    expect(tds.map((td) => td.tagName)).toEqual(['TD', 'TD', 'TD', 'TD']);
    expect(tds.map((td) => td.getAttribute('data-label'))).toEqual(['NEWS2', 'Oppgaver', 'Nye dok.', 'Frakoblet']);
    expect(r.target.closest('table')).not.toBeNull();
  });

  it('shows a high NEWS2 with its risk in words for screen readers', () => {
    const { cell, spoken } = cells(signals[0]);
    const news2 = cell('signal-news2');
    expect(news2.dataset.total).toBe('7');
    expect(textOf(news2.querySelector('.news2'))).toBe('7');
    expect(news2.querySelector('.news2')?.classList.contains('risk-high')).toBe(true);
    // The risk is not told by colour alone.
    const hidden = news2.querySelector('.visually-hidden');
    expect(hidden?.textContent).toBe('Høy risiko');
    expect(spoken('signal-news2')).toBe('7 Høy risiko');
    // When it was measured: the time alone if today, else with its day.
    expect(news2.querySelector('.news2')?.getAttribute('title')).toBe(shownWhen(signals[0]!.news2!.measured_at!));
    expect(textOf(cell('signal-tasks'))).toBe('2');
    expect(textOf(cell('signal-documents'))).toBe('1');
    expect(cell('signal-documents').querySelector('.badge')).not.toBeNull();
    expect(cell('signal-offline').dataset.ready).toBe('true');
    expect(cell('signal-offline').textContent?.trim()).toMatch(/^✓\s?Klar$/);
    // The tick is decoration; screen readers hear the word.
    expect(spoken('signal-offline')).toBe('Klar');
  });

  it('puts a space between the tick and "Klar"', () => {
    const { cell } = cells(signals[0]);
    expect(textOf(cell('signal-offline'))).toBe('✓ Klar');
  });

  it('marks an incomplete NEWS2, to the eye and to the ear', () => {
    const s: PatientSignals = {
      ...signals[1]!,
      news2: { total: 5, risk: 'medium', complete: false, measured_at: null },
    };
    const { cell, spoken } = cells(s);
    expect(textOf(cell('signal-news2').querySelector('.news2'))).toBe('5*');
    expect(spoken('signal-news2')).toBe('5* Middels risiko, ufullstendig');
    expect(cell('signal-news2').querySelector('.news2')?.hasAttribute('title')).toBe(false);
  });

  it('shows a calm patient with zero counts and no badge', () => {
    const { cell, spoken } = cells(signals[1]);
    expect(spoken('signal-news2')).toBe('1 Lav risiko');
    expect(textOf(cell('signal-tasks'))).toBe('0');
    expect(textOf(cell('signal-documents'))).toBe('0');
    expect(cell('signal-documents').querySelector('.badge')).toBeNull();
  });

  it('shows dashes while there are no signals, and says nothing is measured', () => {
    const { cell, spoken } = cells(undefined);
    expect(cell('signal-news2').hasAttribute('data-total')).toBe(false);
    expect(cell('signal-news2').querySelector('[aria-hidden="true"]')?.textContent).toBe('–');
    expect(spoken('signal-news2')).toBe('Ingen målinger');
    expect(textOf(cell('signal-tasks'))).toBe('–');
    expect(textOf(cell('signal-documents'))).toBe('–');
    expect(cell('signal-offline').dataset.ready).toBe('false');
    expect(textOf(cell('signal-offline'))).toBe('Ikke lagret');
  });

  it('says a patient not stored offline is "Ikke lagret", with dashes for the counts', () => {
    const last = signals.at(-1)!;
    expect(last.offline_ready).toBe(false);
    const { cell } = cells({ ...last, open_tasks: 3, new_documents: 2 });
    // Counts from outside the cache mean nothing: not shown.
    expect(textOf(cell('signal-tasks'))).toBe('–');
    expect(textOf(cell('signal-documents'))).toBe('–');
    expect(textOf(cell('signal-offline'))).toBe('Ikke lagret');
    expect(cell('signal-offline').dataset.ready).toBe('false');
  });

  it('shows a dash for NEWS2 of a stored patient never measured', () => {
    const { cell, spoken } = cells({ ...signals[1]!, news2: null });
    expect(spoken('signal-news2')).toBe('Ingen målinger');
    expect(textOf(cell('signal-tasks'))).toBe('0');
  });
});

describe('PatientLookup', () => {
  const nin = syntheticNin('1952-05-01', 333);
  /** The same number with its last check digit wrong. */
  const typo = `${nin.slice(0, 10)}${(Number(nin[10]) + 1) % 10}`;

  function lookup() {
    const onLookup = vi.fn();
    const r = render(PatientLookup, { onLookup });
    const input = r.get('lookup-nin') as HTMLInputElement;
    const problem = () => textOf(r.get('lookup-problem'));
    return { r, onLookup, input, problem };
  }

  it('is a labelled search form, the field described by its hint and problem', () => {
    const { r, input } = lookup();
    const form = r.target.querySelector('form') as HTMLFormElement;
    expect(form.getAttribute('role')).toBe('search');
    expect(form.getAttribute('aria-label')).toBe('Slå opp pasient');
    expect(input.labels?.[0]?.textContent).toBe('Slå opp pasient');
    expect(input.getAttribute('aria-describedby')).toBe('lookup-hint lookup-problem');
    expect(input.getAttribute('aria-invalid')).toBe('false');
    expect(input.dataset.check).toBe('empty');
    expect(r.get('lookup-problem').getAttribute('role')).toBe('status');
  });

  it('says a valid number is valid while typing, spaces allowed', async () => {
    const { input, problem } = lookup();
    await userEvent.fill(input, formatNin(nin).slice(0, 8));
    expect(input.dataset.check).toBe('typing');
    // Nothing to say while the number is still being typed.
    expect(problem()).toBe('');
    expect(input.getAttribute('aria-invalid')).toBe('false');
    await userEvent.fill(input, formatNin(nin));
    expect(input.dataset.check).toBe('valid');
    expect(problem()).toBe('✓ Gyldig nummer');
    expect(input.getAttribute('aria-invalid')).toBe('false');
  });

  it('says the check digits are wrong and marks the field invalid', async () => {
    const { input, problem } = lookup();
    await userEvent.fill(input, typo);
    expect(input.dataset.check).toBe('bad_check');
    expect(problem()).toBe('Kontrollsifrene stemmer ikke. Sjekk nummeret.');
    expect(input.getAttribute('aria-invalid')).toBe('true');
    await userEvent.fill(input, `${nin.slice(0, 4)}x`);
    expect(problem()).toBe('Bare sifre, 11 i alt.');
    await userEvent.fill(input, `${nin}1`);
    expect(problem()).toBe('For mange sifre: et fødselsnummer har 11.');
    await userEvent.fill(input, `3184${nin.slice(4)}`);
    expect(problem()).toBe('De seks første sifrene er ikke en gyldig fødselsdato.');
  });

  it('does not look up an invalid number, and asks for all 11 digits of a short one', async () => {
    const { r, input, onLookup, problem } = lookup();
    await userEvent.fill(input, typo);
    await userEvent.click(r.get('lookup-submit'));
    expect(onLookup).not.toHaveBeenCalled();
    await userEvent.fill(input, nin.slice(0, 7));
    await userEvent.keyboard('{Enter}');
    expect(onLookup).not.toHaveBeenCalled();
    expect(problem()).toBe('Skriv alle 11 sifrene.');
    expect(input.getAttribute('aria-invalid')).toBe('true');
    // Empty, after trying: still asks for the number.
    await userEvent.clear(input);
    await userEvent.click(r.get('lookup-submit'));
    expect(onLookup).not.toHaveBeenCalled();
    expect(problem()).toBe('Skriv alle 11 sifrene.');
  });

  it('looks up a valid number with its digits only', async () => {
    const { r, input, onLookup } = lookup();
    await userEvent.fill(input, formatNin(nin));
    await userEvent.click(r.get('lookup-submit'));
    expect(onLookup).toHaveBeenCalledExactlyOnceWith(nin);
    await userEvent.fill(input, nin);
    await userEvent.keyboard('{Enter}');
    expect(onLookup).toHaveBeenLastCalledWith(nin);
    expect(onLookup).toHaveBeenCalledTimes(2);
  });
});

describe('what a list left out', () => {
  const unreadable = [
    { resource_type: 'Patient', reason: 'no_name', count: 2 },
    { resource_type: 'Encounter', reason: 'missing_patient', count: 1 },
    { resource_type: 'Bundle.entry', reason: 'malformed', count: 1 },
  ] as const;

  it('is said by reason with the total, in each language, and nothing when nothing was', () => {
    const said = (['nb', 'nn', 'en'] as const).map((locale) => {
      i18n.setLocale(locale);
      return unreadableSummary([...unreadable]);
    });
    expect(said).toEqual([
      '4 kunne ikke vises: 2 uten navn, 1 viser til en pasient som mangler, 1 kunne ikke leses.',
      '4 kunne ikkje visast: 2 utan namn, 1 viser til ein pasient som manglar, 1 kunne ikkje lesast.',
      '4 could not be shown: 2 without a name, 1 pointing to a patient who is missing, 1 unreadable.',
    ]);
    expect(unreadableSummary([])).toBeNull();
  });
});

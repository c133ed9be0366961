import { describe, expect, it, vi } from 'vitest';
import { userEvent } from 'vitest/browser';
import CarePanel from '../../src/components/patient/CarePanel.svelte';
import NoteForm from '../../src/components/patient/NoteForm.svelte';
import ProblemList from '../../src/components/patient/ProblemList.svelte';
import type { CareTask } from '../../src/lib/bindings/CareTask';
import { patientRecord, sourceStatus } from '../fixtures/patient';
import { hoursAgo, shownWhen } from '../fixtures/time';
import { wardWorklist } from '../fixtures/worklists';
import { render, textOf } from './render';

const record = () => patientRecord(wardWorklist().entries[0]!);

/** A promise the test settles by hand, to look at the page while a call is under way. */
function deferred(): { promise: Promise<void>; resolve: () => void; reject: (e: unknown) => void } {
  let resolve!: () => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('CarePanel', () => {
  it('says there are no tasks or activities', () => {
    const r = render(CarePanel, { care: { activities: [], tasks: [] } });
    expect(r.text()).toContain('Ingen åpne oppgaver.');
    expect(r.text()).toContain('Ingen aktive tiltak.');
    expect(r.query('task-item')).toBeNull();
  });

  it('shows tasks and activities with their source', () => {
    const care = record().care;
    const r = render(CarePanel, { care, source: sourceStatus('municipal', { state: 'fresh' }) });
    expect(r.all('task-item').map((t) => t.dataset.taskId)).toEqual(['task-1', 'task-2', 'task-3']);
    // Due an hour ago: the time alone if that was today, else with its day.
    expect(textOf(r.all('task-item')[0]?.querySelector('.item-title'))).toBe(
      `${shownWhen(care.tasks[0]!.due!)} Gi morgenmedisiner`,
    );
    // Due yesterday: always with its day.
    expect(textOf(r.all('task-item')[2]?.querySelector('.due'))).toBe(shownWhen(care.tasks[2]!.due!));
    expect(textOf(r.all('task-item')[2]?.querySelector('.due'))).toContain('.');
    expect(textOf(r.all('task-item')[0]?.querySelector('[data-testid="item-source"]'))).toBe('Kommunal plattform');
    expect(r.all('care-activity').map(textOf)).toEqual([
      'Vekt hver mandag · Ernæring',
      'Sengehest om natten · Fallforebygging',
    ]);
    // Without onComplete (off the worklist, or nothing can be recorded) there is no button.
    expect(r.query('task-complete')).toBeNull();
    expect(r.query('source-notice')).toBeNull();
  });

  it('says how old saved care data is', () => {
    const r = render(CarePanel, {
      care: record().care,
      source: sourceStatus('municipal', { state: 'cached' }, { fetched_at: hoursAgo(26) }),
    });
    expect(textOf(r.get('source-notice'))).toMatch(/\(for 26 t siden\)\.$/);
  });

  it('completes an open task: calls onComplete with it and shows it is saving meanwhile', async () => {
    const pending = deferred();
    const onComplete = vi.fn((_task: CareTask) => pending.promise);
    const care = record().care;
    const r = render(CarePanel, { care, onComplete });
    const buttons = r.all('task-complete');
    // Only open tasks (requested, in progress) can be completed.
    expect(buttons.map((b) => b.dataset.taskId)).toEqual(['task-1', 'task-2']);
    expect(buttons[0]?.getAttribute('aria-label')).toBe('Marker «Gi morgenmedisiner» som utført');

    await userEvent.click(buttons[0]!);
    expect(onComplete).toHaveBeenCalledExactlyOnceWith(care.tasks[0]);
    await expect.poll(() => textOf(r.all('task-complete')[0])).toBe('Lagrer …');
    expect(r.all('task-complete').every((b) => (b as HTMLButtonElement).disabled)).toBe(true);

    pending.resolve();
    await expect.poll(() => textOf(r.all('task-complete')[0])).toBe('Utført');
    expect(r.all('task-complete').some((b) => (b as HTMLButtonElement).disabled)).toBe(false);
    expect(r.query('task-complete-error')).toBeNull();
  });

  it('shows a refused completion on that task only', async () => {
    const onComplete = vi.fn(() => Promise.reject({ code: 'service_error', detail: 'HTTP 409' }));
    const r = render(CarePanel, { care: record().care, onComplete });
    await userEvent.click(r.all('task-complete')[1]!);
    await expect.poll(() => r.query('task-complete-error')).not.toBeNull();
    const error = r.get('task-complete-error');
    expect(error.dataset.errorCode).toBe('service_error');
    expect(error.closest('[data-testid="task-item"]')?.getAttribute('data-task-id')).toBe('task-2');
  });
});

describe('ProblemList', () => {
  it('says no active diagnoses are recorded', () => {
    const r = render(ProblemList, { conditions: [] });
    expect(r.text()).toContain('Ingen aktive diagnoser registrert.');
    expect(r.query('condition-item')).toBeNull();
  });

  it('shows each condition with its code, onset and source, and how old saved data is', () => {
    const r = render(ProblemList, {
      conditions: record().care.conditions,
      source: sourceStatus('municipal', { state: 'cached' }, { fetched_at: hoursAgo(5) }),
    });
    const [dementia, af] = r.all('condition-item');
    expect(textOf(dementia?.querySelector('.item-title'))).toBe('Demens ved Alzheimers sykdom F00.1');
    expect(textOf(dementia)).toContain('Fra 01.03.2021');
    expect(textOf(dementia?.querySelector('[data-testid="item-source"]'))).toBe('Kommunal plattform');
    expect(textOf(af?.querySelector('.item-title'))).toBe('Atrieflimmer I48');
    expect(textOf(af)).not.toContain('Fra ');
    expect(textOf(r.get('source-notice'))).toMatch(/\(for 5 t siden\)\.$/);
  });
});

describe('ProblemList states', () => {
  it('is a section named by its heading, with no notice for fresh data', () => {
    const r = render(ProblemList, {
      conditions: record().care.conditions,
      source: sourceStatus('municipal', { state: 'fresh' }),
    });
    const section = r.get('problem-list');
    const heading = section.querySelector('h2') as HTMLElement;
    expect(section.getAttribute('aria-labelledby')).toBe(heading.id);
    expect(textOf(heading)).toBe('Problemliste');
    expect(r.query('source-notice')).toBeNull();
    expect(r.all('condition-item')).toHaveLength(2);
    expect(r.text()).not.toContain('Ingen aktive diagnoser');
  });

  it('shows a condition without code or onset by its text alone', () => {
    const [first] = record().care.conditions;
    const r = render(ProblemList, { conditions: [{ ...first!, code: null, onset: null }] });
    const item = r.get('condition-item');
    expect(textOf(item.querySelector('.item-title'))).toBe('Demens ved Alzheimers sykdom');
    expect(item.querySelector('.item-title .badge')).toBeNull();
    expect(textOf(item)).not.toContain('Fra ');
  });

  it('says saved data is old even when there are no conditions', () => {
    const r = render(ProblemList, {
      conditions: [],
      source: sourceStatus('municipal', { state: 'cached' }, { fetched_at: hoursAgo(2) }),
    });
    expect(r.get('source-notice').dataset.state).toBe('cached');
    expect(r.text()).toContain('Ingen aktive diagnoser registrert.');
  });
});

describe('NoteForm', () => {
  it('refuses an empty or blank note without saving', async () => {
    const onSave = vi.fn(() => Promise.resolve());
    const r = render(NoteForm, { onSave });
    await userEvent.click(r.get('note-save'));
    expect(textOf(r.get('note-form-message'))).toBe('Skriv noe i notatet først.');
    await userEvent.fill(r.get('note-text'), '   \n  ');
    await userEvent.click(r.get('note-save'));
    expect(textOf(r.get('note-form-message'))).toBe('Skriv noe i notatet først.');
    expect(r.get('note-text').getAttribute('aria-invalid')).toBe('true');
    expect(onSave).not.toHaveBeenCalled();
  });

  it('counts characters, saves the note and clears it', async () => {
    const onSave = vi.fn((_text: string) => Promise.resolve());
    const r = render(NoteForm, { onSave });
    const text = 'Sover urolig, følges opp.';
    await userEvent.fill(r.get('note-text'), text);
    expect(textOf(r.target.querySelector('#note-count'))).toBe(`${[...text].length} av 2000 tegn`);
    await userEvent.click(r.get('note-save'));
    expect(onSave).toHaveBeenCalledExactlyOnceWith(text);
    await expect.poll(() => (r.get('note-text') as HTMLTextAreaElement).value).toBe('');
  });

  it('keeps the note and shows the error when saving fails', async () => {
    const onSave = vi.fn(() => Promise.reject({ code: 'disk_full', detail: 'ENOSPC' }));
    const r = render(NoteForm, { onSave });
    await userEvent.fill(r.get('note-text'), 'Viktig notat');
    await userEvent.click(r.get('note-save'));
    await expect.poll(() => r.query('note-error')).not.toBeNull();
    expect(r.get('note-error').dataset.errorCode).toBe('disk_full');
    expect((r.get('note-text') as HTMLTextAreaElement).value).toBe('Viktig notat');
  });
});

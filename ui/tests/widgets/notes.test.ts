import { describe, expect, it } from 'vitest';
import NoteList from '../../src/components/patient/NoteList.svelte';
import { HOSTILE, patientRecord, sourceStatus } from '../fixtures/patient';
import { minutesAgo, shownDateTime } from '../fixtures/time';
import { wardWorklist } from '../fixtures/worklists';
import { render, textOf } from './render';

const notes = () => patientRecord(wardWorklist().entries[0]!).notes;

describe('NoteList', () => {
  it('shows each note newest first with its writer, time, source and its own line breaks', () => {
    const shown = notes();
    const r = render(NoteList, { notes: shown, source: sourceStatus('municipal', { state: 'fresh' }) });
    const [latest, older] = r.all('note-item');
    expect(latest?.querySelector('.note-text')?.textContent).toBe('Urolig på kveldsvakt.\nRoet seg etter samtale og musikk.');
    expect((latest?.querySelector('.note-text') as HTMLElement).innerText).toContain('\n');
    expect(textOf(latest)).toContain('Kari Testsykepleier');
    expect(latest?.querySelector('time')?.getAttribute('datetime')).toBe(shown[0]!.date);
    expect(textOf(latest?.querySelector('time'))).toBe(shownDateTime(shown[0]!.date!));
    expect(textOf(older?.querySelector('time'))).toBe(shownDateTime(shown[1]!.date!));
    expect(textOf(older)).toContain('Ukjent forfatter');
    expect(latest?.querySelector('[data-testid="item-source"]')).not.toBeNull();
    expect(r.query('source-notice')).toBeNull();
  });

  it('says there are none, and says when they come from the saved copy', () => {
    const r = render(NoteList, {
      notes: [],
      source: sourceStatus('municipal', { state: 'cached' }, { fetched_at: minutesAgo(90) }),
    });
    expect(r.text()).toContain('Ingen sykepleienotater de siste to ukene.');
    expect(r.get('source-notice').dataset.state).toBe('cached');
  });

  it('shows markup in a note as text', () => {
    const hostile = { ...notes()[0]!, text: HOSTILE };
    const r = render(NoteList, { notes: [hostile] });
    expect(r.get('note-item').querySelector('.note-text')?.textContent).toBe(HOSTILE);
    expect(r.get('note-item').querySelector('img, script')).toBeNull();
  });
});

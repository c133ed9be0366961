/**
 * Which visits are today, by Oslo's calendar at NOW: run at every instant of the date
 * matrix, and in a browser far from Oslo (the widgets-elsewhere project).
 */
import { describe, expect, it } from 'vitest';
import VisitList from '../../src/components/patient/VisitList.svelte';
import type { Visit } from '../../src/lib/bindings/Visit';
import { i18n } from '../../src/lib/i18n/index.svelte';
import { provenance } from '../fixtures/patient';
import { dayAt, osloDay, shownDateTime, shownTime } from '../fixtures/time';
import { PLATFORM } from '../fixtures/worklists';
import { render, textOf } from './render';

function visit(id: string, start: string, end: string | null = null, status = 'booked'): Visit {
  return { id, start, end, description: `Besøk ${id}`, status, provenance: provenance(PLATFORM) };
}

/** Just either side of both midnights around today, and a week back. */
const visits = [
  visit('week-ago', dayAt(-7, '09:00'), null, 'fulfilled'),
  visit('yesterday-late', dayAt(-1, '23:50'), null, 'fulfilled'),
  visit('today-early', dayAt(0, '00:10')),
  visit('today-late', dayAt(0, '23:50'), dayAt(0, '23:59')),
  visit('tomorrow-early', dayAt(1, '00:10')),
];

function shown() {
  const r = render(VisitList, { visits });
  return r.all('visit-item').map((item) => ({
    when: item.dataset.when,
    text: textOf(item.querySelector('.when')),
  }));
}

describe('VisitList', () => {
  it(`marks the visits of today in Oslo (${osloDay()}) as today, and dates the others`, () => {
    expect(shown()).toEqual([
      { when: 'past', text: shownDateTime(visits[0]!.start!) },
      { when: 'past', text: shownDateTime(visits[1]!.start!) },
      { when: 'today', text: `I dag ${shownTime(visits[2]!.start!)}` },
      { when: 'today', text: `I dag ${shownTime(visits[3]!.start!)}–${shownTime(visits[3]!.end!)}` },
      { when: 'ahead', text: shownDateTime(visits[4]!.start!) },
    ]);
  });

  it('gives yesterday’s and tomorrow’s dates with two-digit day and month (the dots kept)', () => {
    const [, yesterday, , , tomorrow] = shown();
    const [, ym, yd] = osloDay(-1).split('-');
    const [ty, tm, td] = osloDay(1).split('-');
    expect(yesterday?.text).toMatch(new RegExp(`^${yd}\\.${ym}\\.(\\d{4})? 23:50$`));
    // Tomorrow may be in another year (31 December): then it says which.
    const thisYear = osloDay(0).slice(0, 4);
    expect(tomorrow?.text).toBe(`${td}.${tm}.${ty === thisYear ? '' : ty} 00:10`);
  });

  it('says "Today" in English', () => {
    i18n.setLocale('en');
    expect(shown()[2]?.text).toBe(`Today ${shownTime(visits[2]!.start!)}`);
  });
});

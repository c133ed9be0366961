/**
 * The dates and times the app shows, screen by screen, exactly as they must read at
 * NOW. npm run test:dates runs this file (with the widget tests) at each instant of
 * its matrix: around midnight, New Year, leap days and the clocks changing.
 */
import { describe, expect, it } from 'vitest';
import type { Visit } from '../../src/lib/bindings/Visit';
import { homeCareNurse } from '../fixtures/app';
import { patientRecord } from '../fixtures/patient';
import { hoursAgo, minutesAgo, NOW, shownDateTime, shownTime, shownWhen, today } from '../fixtures/time';
import { routeWorklist, wardWorklist } from '../fixtures/worklists';
import { expectClean, openFirstPatient, usePages, waitForScreen, type AppPage } from './harness';
import { patients, signedIn } from './scenarios';

const pages = usePages();
let app: AppPage | null = null;

describe('dates on the worklists', () => {
  it('are on the page’s clock, fixed at NOW in Oslo; the list says when it was fetched and the cache prepared', async () => {
    app = await pages.open(signedIn());
    const { page } = app;
    await waitForScreen(page, 'worklist');
    expect(await page.evaluate(() => [Date.now(), Intl.DateTimeFormat().resolvedOptions().timeZone])).toEqual([
      NOW,
      'Europe/Oslo',
    ]);
    expect(await page.locator('.worklist-head [data-testid="provenance"]').innerText()).toBe(
      `Kilde: Kommunal plattform · hentet ${shownWhen(minutesAgo(0))}`,
    );
    expect(await page.getByTestId('last-sync').innerText()).toBe(
      `Sist forberedt ${shownDateTime(hoursAgo(2))} (for 2 t siden)`,
    );
    expectClean(app);
  });

  it('name today in the route’s heading, in each language, and give each visit its time', async () => {
    const route = routeWorklist();
    app = await pages.open(signedIn({ clinician: homeCareNurse, worklist: route }));
    const { page } = app;
    await waitForScreen(page, 'worklist');
    // ICU's names for today, to check the app's own tables against.
    const longDay = (locale: string): string =>
      new Intl.DateTimeFormat(locale, { weekday: 'long', day: 'numeric', month: 'long', timeZone: 'UTC' }).format(
        Date.parse(`${today()}T12:00:00Z`),
      );
    const heading = page.getByRole('heading', { level: 1 });
    expect(await heading.innerText()).toBe(`Dagens besøk ${longDay('nb-NO')}`);
    expect(await page.getByTestId('worklist-row').locator('.time').allInnerTexts()).toEqual(
      route.entries.map((e) => `${shownTime(e.visit_start!)}–${shownTime(e.visit_end!)}`),
    );
    await page.locator('[data-testid="language-switch"] [data-locale="nn"]').click();
    // ICU's nynorsk Sunday is "søndag"; the app writes "sundag", the other nynorsk form.
    await expect.poll(() => heading.innerText()).toBe(`Dagens besøk ${longDay('nn-NO').replace(/^søndag/, 'sundag')}`);
    await page.locator('[data-testid="language-switch"] [data-locale="en"]').click();
    await expect.poll(() => heading.innerText()).toBe(`Today's visits ${longDay('en-GB')}`);
    expectClean(app);
  });
});

describe('dates on the patient overview', () => {
  it('give readings, sources, notes and tasks their day and time in the one style', async () => {
    const ward = wardWorklist();
    const astrid = patientRecord(ward.entries[0]!);
    app = await pages.open({ ...signedIn(), ...patients([astrid]) });
    const { page } = app;
    await waitForScreen(page, 'worklist');
    await page.locator(`[data-testid="open-patient"][data-patient-ref="${astrid.ref}"]`).click();
    await waitForScreen(page, 'patient');

    const vital = page.getByTestId('vital-item').first();
    expect(await vital.locator('.vital-time').innerText()).toBe(shownDateTime(astrid.vitals[0]!.effective));
    expect(await vital.getByTestId('provenance').innerText()).toBe(
      `Kilde: Kommunal plattform · hentet ${shownDateTime(astrid.vitals[0]!.provenance.fetched_at)}`,
    );
    // Each source says when it answered: just now, so the time alone.
    expect(await page.locator('[data-testid="source-status"][data-source="municipal"] .when').innerText()).toBe(
      `hentet ${shownWhen(minutesAgo(0))}`,
    );
    expect(await page.getByTestId('note-item').locator('time').allInnerTexts()).toEqual(
      astrid.notes.map((n) => shownDateTime(n.date!)),
    );
    // Due an hour ago (the time alone if that was today), and yesterday.
    expect(await page.getByTestId('task-item').locator('.due').allInnerTexts()).toEqual([
      shownWhen(astrid.care.tasks[0]!.due!),
      shownWhen(astrid.care.tasks[2]!.due!),
    ]);
    expectClean(app);
  });

  it('marks today’s home-care visits by Oslo’s calendar', async () => {
    const route = routeWorklist();
    const visited = patientRecord(route.entries[0]!);
    app = await pages.open({ ...signedIn({ clinician: homeCareNurse, worklist: route }), ...patients([visited]) });
    const { page } = app;
    await openFirstPatient(page);
    const visits = page.getByTestId('visit-item');
    expect(await visits.evaluateAll((els) => els.map((e) => e.getAttribute('data-when')))).toEqual([
      'past',
      'today',
      'ahead',
    ]);
    const [yesterday, present, tomorrow] = visited.visits as [Visit, Visit, Visit];
    const range = (v: Visit): string => `${shownTime(v.start!)}–${shownTime(v.end!)}`;
    /** "19.11." (or "19.11.2026" in another year) before the times. */
    const day = (v: Visit): string => shownDateTime(v.start!).split(' ')[0]!;
    expect(await visits.locator('.when').allInnerTexts()).toEqual([
      `${day(yesterday)} ${range(yesterday)}`,
      `I dag ${range(present)}`,
      `${day(tomorrow)} ${range(tomorrow)}`,
    ]);
    expectClean(app);
  });
});

import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { homeCareNurse, offlineStatus, queuedReceipt, queuedWrites } from '../fixtures/app';
import { patientRecord } from '../fixtures/patient';
import { residents, routeWorklist, wardWorklist } from '../fixtures/worklists';
import { expectAccessible, violationsOf } from './axe';
import { expectClean, usePages, texts, waitForScreen, type AppPage } from './harness';
import { appError } from './ipc';
import { patients, signedIn } from './scenarios';

/** WCAG 2.5.3 Label in Name: the visit buttons' names start with their visible text. */
const VISIT_BUTTON_RULE = 'label-content-name-mismatch';

const SCREENSHOTS = fileURLToPath(new URL('./__screenshots__/', import.meta.url));

const pages = usePages();
let app: AppPage | null = null;

describe('ward worklist', () => {
  it('lists the residents, prepares for offline use and has no serious accessibility violations', async () => {
    app = await pages.open(signedIn());
    const { page, ipc } = app;
    await waitForScreen(page, 'worklist');
    expect(await texts(page, 'open-patient')).toEqual(wardWorklist().entries.map((e) => e.name));
    // The automatic sync after sign-in reports its progress over the channel, then a summary.
    const summary = page.getByTestId('sync-summary');
    await summary.waitFor();
    expect(await summary.getAttribute('data-patients')).toBe('5');
    expect(await summary.innerText()).toContain('Klar for frakoblet bruk: 5 pasienter');
    expect(ipc.callsTo('sync_worklist')).toHaveLength(1);
    // Focus is on the worklist heading, for keyboard and screen-reader users.
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('worklist-heading');
    await expectAccessible(page, 'ward worklist');
    await mkdir(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: `${SCREENSHOTS}worklist-ward.png`, fullPage: true });
    expectClean(app);
  });

  it('prepares the row the pointer or focus rests on, not every row it passes', async () => {
    app = await pages.open(signedIn());
    const { page, ipc } = app;
    await waitForScreen(page, 'worklist');
    const [first, second, third] = wardWorklist().entries;
    const button = (ref: string) => page.locator(`[data-testid="open-patient"][data-patient-ref="${ref}"]`);
    // Passing over two rows on the way to the third: only the third is prepared.
    await button(first!.patient_ref).hover();
    await button(second!.patient_ref).hover();
    await button(third!.patient_ref).hover();
    await expect.poll(() => ipc.callsTo('prepare_patient')).toEqual([{ patientRef: third!.patient_ref }]);
    // Keyboard focus prepares as well.
    await page.mouse.move(0, 0);
    await button(first!.patient_ref).focus();
    await expect.poll(() => ipc.callsTo('prepare_patient').length).toBe(2);
    expect(ipc.callsTo('prepare_patient')[1]).toEqual({ patientRef: first!.patient_ref });
    expectClean(app);
  });

  it('shows who can be shown, says who could not, and an unknown age as unknown', async () => {
    const list = wardWorklist();
    list.entries[1] = { ...list.entries[1]!, age: null, national_id: '', room: null };
    list.unreadable = [
      { resource_type: 'Patient', reason: 'no_name', count: 1 },
      { resource_type: 'Encounter', reason: 'missing_patient', count: 1 },
    ];
    const syncUnreadable = [{ resource_type: 'Task', reason: 'no_id', count: 3 }] as const;
    app = await pages.open(signedIn({ worklist: list, syncUnreadable: [...syncUnreadable] }));
    const { page } = app;
    await waitForScreen(page, 'worklist');
    expect(await page.getByTestId('worklist-row').count()).toBe(5);
    // The sync kept what it could and says what it could not.
    expect(await page.getByTestId('sync-unreadable').innerText()).toBe('3 kunne ikke vises: 3 uten id.');
    expect(await page.getByTestId('worklist-unreadable').innerText()).toBe(
      '2 kunne ikke vises: 1 uten navn, 1 viser til en pasient som mangler.',
    );
    const unknown = page.locator(`[data-testid="worklist-row"][data-patient-ref="${list.entries[1]!.patient_ref}"]`);
    expect(await unknown.getByTestId('worklist-age').innerText()).toBe('ukjent');
    expect(await unknown.locator('.nin').innerText()).toBe('ukjent');
    expect(await unknown.getByTestId('worklist-room').innerText()).toBe('ukjent');
    await expectAccessible(page, 'ward worklist with records left out');
    expectClean(app);
  });

  it('keeps the look-up by number while the list is failing, and after it failed', async () => {
    const olav = wardWorklist().entries[1]!;
    app = await pages.open({ ...signedIn(), ...patients([patientRecord(olav)]) });
    const { page, ipc } = app;
    await waitForScreen(page, 'worklist');
    // The sync after sign-in reports progress over a channel: reload only once it is done.
    await page.getByTestId('sync-summary').waitFor();
    ipc.set('worklist', () => {
      throw appError('service_unavailable', 'the platform answered 500');
    });
    await page.reload();
    await page.getByTestId('worklist-error').waitFor();
    expect(await page.getByTestId('worklist-row').count()).toBe(0);
    await page.getByTestId('lookup-nin').fill(olav.national_id);
    await page.getByTestId('lookup-submit').click();
    expect(ipc.callsTo('open_patient').at(-1)).toMatchObject({
      target: { kind: 'national_id', national_id: olav.national_id.replace(/\s/g, '') },
    });
    expectClean(app);
  });

  it('switches language from the header, and the choice holds after a reload', async () => {
    app = await pages.open(signedIn());
    const { page } = app;
    await waitForScreen(page, 'worklist');
    const nameHeader = page.getByRole('columnheader').nth(1);
    expect(await nameHeader.innerText()).toBe('Navn');
    await page.locator('[data-testid="language-switch"] [data-locale="en"]').click();
    await expect.poll(() => nameHeader.innerText()).toBe('Name');
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('en');
    await page.locator('[data-testid="language-switch"] [data-locale="nn"]').click();
    await expect.poll(() => page.getByTestId('sign-out').innerText()).toBe('Logg ut');
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('nn');
    await page.reload();
    await waitForScreen(page, 'worklist');
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('nn');
    expectClean(app);
  });
});

describe('home-care route', () => {
  it('lists the visits in order and marks one done', async () => {
    const route = routeWorklist();
    app = await pages.open({
      ...signedIn({ clinician: homeCareNurse, worklist: route }),
      complete_visit: ({ visitId }) => {
        const visit = route.entries.find((e) => e.visit_id === visitId);
        if (visit) visit.visit_done = true;
        return queuedReceipt;
      },
      outbox: () =>
        queuedWrites(residents.nils.ref)
          .slice(0, 1)
          .map((w) => ({ ...w, id: queuedReceipt.outbox_id })),
    });
    const { page, ipc } = app;
    await waitForScreen(page, 'worklist');
    // (The heading's day, and the times' style, are in dates.test.ts.)
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toMatch(/^Dagens besøk /);
    const rows = page.getByTestId('worklist-row');
    expect(await rows.count()).toBe(4);
    expect(await rows.nth(0).locator('.time').innerText()).toBe('07:30–08:00');
    expect(await rows.nth(0).getAttribute('data-visit-done')).toBe('true');
    expect(await rows.nth(0).getByTestId('visit-done').isVisible()).toBe(true);
    // The next visit not yet done is prepared at once (its HelseID tokens fetched ahead).
    const nextVisit = route.entries.find((e) => !e.visit_done)!;
    expect(ipc.callsTo('prepare_patient')).toEqual([{ patientRef: nextVisit.patient_ref }]);
    // Olav has two visits today: both rows are there, each with its own visit id.
    expect(await page.locator(`[data-patient-ref="${residents.olav.ref}"][data-testid="worklist-row"]`).count()).toBe(
      2,
    );

    await expectAccessible(page, 'home-care route');

    const button = page.locator('[data-testid="visit-complete"][data-visit-id="visit-2"]');
    expect(await button.getAttribute('aria-label')).toBe(
      `Marker utført: besøket hos ${residents.nils.name} kl. 08:15`,
    );
    await button.click();
    const result = page.getByTestId('visit-write-result');
    await result.waitFor();
    expect(await result.getAttribute('data-outcome')).toBe('queued');
    expect(await result.innerText()).toBe('Besøk utført: Lagret – sendes når nett er tilbake');
    expect(ipc.callsTo('complete_visit')).toEqual([{ visitId: 'visit-2' }]);
    await expect.poll(() => rows.nth(1).getAttribute('data-visit-done')).toBe('true');
    expectClean(app);
  });

  it('visit buttons have their visible label in their accessible name (WCAG 2.5.3)', async () => {
    app = await pages.open(signedIn({ clinician: homeCareNurse, worklist: routeWorklist() }));
    await waitForScreen(app.page, 'worklist');
    expect(await violationsOf(app.page, VISIT_BUTTON_RULE)).toEqual([]);
  });
});

describe('offline status line', () => {
  it('shows queued writes and opens the outbox with them', async () => {
    const writes = queuedWrites(residents.astrid.ref);
    app = await pages.open({
      ...signedIn(),
      offline_status: () => offlineStatus({ online: false, unsent: writes.length }),
      sync_worklist: () => {
        throw { code: 'service_unavailable', detail: 'platform unreachable' };
      },
      outbox: () => writes,
    });
    const { page } = app;
    await waitForScreen(page, 'worklist');
    const line = page.getByTestId('offline-status');
    await line.waitFor();
    expect(await line.getAttribute('data-online')).toBe('false');
    expect(await page.getByTestId('connection-state').innerText()).toBe('Frakoblet – viser lagrede data');
    const count = page.getByTestId('outbox-count');
    expect(await count.getAttribute('data-count')).toBe('2');
    expect(await count.innerText()).toBe('2 venter på sending');
    expect(await page.getByTestId('last-sync').innerText()).toMatch(/^Sist forberedt .* \(for 2 t siden\)$/);
    // The automatic sync fails quietly offline: no error, no summary.
    expect(await page.getByTestId('sync-error').count()).toBe(0);

    expect(await count.getAttribute('aria-expanded')).toBe('false');
    await count.click();
    const items = page.getByTestId('outbox-item');
    await items.first().waitFor();
    expect(await count.getAttribute('aria-expanded')).toBe('true');
    expect(await items.count()).toBe(2);
    expect(await items.nth(0).innerText()).toContain('Puls 88, temperatur 37,9');
    expect(await items.nth(0).innerText()).toContain(`Pasient: ${residents.astrid.name}`);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('outbox-heading');
    await expectAccessible(page, 'worklist with the outbox open');
    expectClean(app);
  });
});

describe('worklist signals, filter and recently opened', () => {
  const ward = wardWorklist();
  const astrid = ward.entries[0]!;
  const sigrid = ward.entries.at(-1)!;
  const row = (page: AppPage['page'], ref: string) =>
    page.locator(`[data-testid="worklist-row"][data-patient-ref="${ref}"]`);
  /** What a cell shows to the eye (without its text for screen readers only). */
  const cellText = (page: AppPage['page'], ref: string, testid: string) =>
    row(page, ref)
      .getByTestId(testid)
      .evaluate((cell) => {
        const copy = cell.cloneNode(true) as HTMLElement;
        for (const hidden of copy.querySelectorAll('.visually-hidden')) hidden.remove();
        return (copy.textContent ?? '').replace(/\s+/g, ' ').trim();
      });

  it('shows each row’s signals, filters the rows as typed, and lists the patients opened', async () => {
    app = await pages.open({ ...signedIn(), ...patients([patientRecord(astrid)]) });
    const { page, ipc } = app;
    await waitForScreen(page, 'worklist');
    expect(await page.getByTestId('recent-patients').count()).toBe(0);
    await expect.poll(() => row(page, astrid.patient_ref).getByTestId('signal-news2').getAttribute('data-total')).toBe(
      '7',
    );
    expect(ipc.callsTo('worklist_signals').length).toBeGreaterThanOrEqual(1);
    // High NEWS2, two open tasks, a new document, stored offline.
    expect(await cellText(page, astrid.patient_ref, 'signal-news2')).toBe('7');
    expect(await row(page, astrid.patient_ref).getByTestId('signal-news2').textContent()).toContain('Høy risiko');
    expect(await cellText(page, astrid.patient_ref, 'signal-tasks')).toBe('2');
    expect(await cellText(page, astrid.patient_ref, 'signal-documents')).toBe('1');
    expect(await row(page, astrid.patient_ref).getByTestId('signal-offline').getAttribute('data-ready')).toBe('true');
    // The last one is not stored offline: dashes, and said so.
    expect(await cellText(page, sigrid.patient_ref, 'signal-news2')).toBe('–');
    expect(await cellText(page, sigrid.patient_ref, 'signal-tasks')).toBe('–');
    expect(await cellText(page, sigrid.patient_ref, 'signal-documents')).toBe('–');
    expect(await cellText(page, sigrid.patient_ref, 'signal-offline')).toBe('Ikke lagret');
    expect(await page.getByRole('columnheader').allInnerTexts()).toEqual([
      'Rom',
      'Navn',
      'Fødselsnummer',
      'Alder',
      'NEWS2',
      'Oppgaver',
      'Nye dok.',
      'Frakoblet',
    ]);

    const filter = page.getByTestId('worklist-filter');
    const count = page.getByTestId('worklist-filter-count');
    expect(await filter.getAttribute('type')).toBe('search');
    expect(await page.getByLabel('Søk i listen (navn, rom eller fødselsnummer)').count()).toBe(1);
    expect(await count.innerText()).toBe('');

    await filter.fill('INGRID');
    await expect.poll(() => texts(page, 'open-patient')).toEqual(['Ingrid Syntetisk']);
    expect(await count.innerText()).toBe('1 av 5 vises');
    expect(await count.getAttribute('role')).toBe('status');

    // A number prefix, typed with or without its space.
    const prefix = astrid.national_id.replace(' ', '').slice(0, 4);
    await filter.fill(prefix);
    await expect.poll(() => texts(page, 'open-patient')).toEqual([astrid.name]);
    await filter.fill(astrid.national_id.slice(0, 8));
    await expect.poll(() => texts(page, 'open-patient')).toEqual([astrid.name]);
    // Every number here starts 01: all five.
    await filter.fill('01');
    await expect.poll(() => page.getByTestId('worklist-row').count()).toBe(5);
    expect(await count.innerText()).toBe('5 av 5 vises');

    await filter.fill('Zacharias');
    await page.getByTestId('worklist-no-match').waitFor();
    expect(await page.getByTestId('worklist-no-match').innerText()).toBe('Ingen på listen passer søket.');
    expect(await page.getByTestId('worklist-row').count()).toBe(0);
    expect(await count.innerText()).toBe('0 av 5 vises');

    await filter.fill('');
    await expect.poll(() => page.getByTestId('worklist-row').count()).toBe(5);
    expect(await count.innerText()).toBe('');

    // Found through the filter, opened, and back: now among the recently opened.
    await filter.fill('astrid');
    await row(page, astrid.patient_ref).getByTestId('open-patient').click();
    await waitForScreen(page, 'patient');
    await page.getByTestId('back-to-worklist').click();
    await waitForScreen(page, 'worklist');
    const recent = page.getByTestId('recent-patients');
    expect(await recent.getByRole('heading').innerText()).toBe('Nylig åpnet');
    expect(await texts(page, 'recent-patient')).toEqual([astrid.name]);
    expect(await recent.innerText()).toContain(astrid.national_id);
    // Kept in memory only: nothing of the patient in the webview's storage.
    expect(await page.evaluate(() => JSON.stringify({ ...localStorage }))).not.toContain(astrid.name);
    await page.getByTestId('recent-patient').click();
    await waitForScreen(page, 'patient');
    expect(ipc.callsTo('open_patient').map((c) => c.target)).toEqual([
      { kind: 'worklist', patient_ref: astrid.patient_ref },
      { kind: 'worklist', patient_ref: astrid.patient_ref },
    ]);
    expectClean(app);
  });

  // Digits match a room as well as the start of a national identity number.
  it('finds a resident by room number', async () => {
    app = await pages.open(signedIn());
    const { page } = app;
    await waitForScreen(page, 'worklist');
    await page.getByTestId('worklist-filter').fill('104');
    expect(await texts(page, 'open-patient')).toEqual(['Ingrid Syntetisk']);
  });

  it('shows dashes and no error when the cache cannot give signals', async () => {
    app = await pages.open({
      ...signedIn(),
      worklist_signals: () => {
        throw appError('offline_unavailable', 'no cache on this machine');
      },
    });
    const { page, ipc } = app;
    await waitForScreen(page, 'worklist');
    await ipc.waitForCall('worklist_signals');
    expect(await page.getByTestId('worklist-row').count()).toBe(5);
    for (const entry of ward.entries) {
      expect(await cellText(page, entry.patient_ref, 'signal-news2')).toBe('–');
      expect(await cellText(page, entry.patient_ref, 'signal-tasks')).toBe('–');
      expect(await cellText(page, entry.patient_ref, 'signal-offline')).toBe('Ikke lagret');
    }
    expect(await page.locator('[role="alert"]').count()).toBe(0);
    expect(await page.getByTestId('worklist-error').count()).toBe(0);
    expectClean(app);
  });
});

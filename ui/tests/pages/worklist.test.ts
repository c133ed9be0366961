import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { homeCareNurse, offlineStatus, queuedReceipt, queuedWrites } from '../fixtures/app';
import { residents, routeWorklist, wardWorklist } from '../fixtures/worklists';
import { expectAccessible, violationsOf } from './axe';
import { expectClean, TestBrowser, texts, waitForScreen, type AppPage } from './harness';
import { signedIn } from './scenarios';

/** WCAG 2.5.3 Label in Name: the visit buttons' names start with their visible text. */
const VISIT_BUTTON_RULE = 'label-content-name-mismatch';

const SCREENSHOTS = fileURLToPath(new URL('./__screenshots__/', import.meta.url));

let browser: TestBrowser;
let app: AppPage | null = null;

beforeAll(async () => {
  browser = await TestBrowser.launch();
});
afterAll(async () => {
  await browser.close();
});
afterEach(async () => {
  await app?.close();
  app = null;
});

describe('ward worklist', () => {
  it('lists the residents, prepares for offline use and has no serious accessibility violations', async () => {
    app = await browser.openApp(signedIn());
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

  it('switches language from the header, and the choice holds after a reload', async () => {
    app = await browser.openApp(signedIn());
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
    app = await browser.openApp({
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
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toMatch(/^Dagens besøk /);
    const rows = page.getByTestId('worklist-row');
    expect(await rows.count()).toBe(4);
    expect(await rows.nth(0).locator('.time').innerText()).toBe('07:30–08:00');
    expect(await rows.nth(0).getAttribute('data-visit-done')).toBe('true');
    expect(await rows.nth(0).getByTestId('visit-done').isVisible()).toBe(true);
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
    app = await browser.openApp(signedIn({ clinician: homeCareNurse, worklist: routeWorklist() }));
    await waitForScreen(app.page, 'worklist');
    expect(await violationsOf(app.page, VISIT_BUTTON_RULE)).toEqual([]);
  });
});

describe('offline status line', () => {
  it('shows queued writes and opens the outbox with them', async () => {
    const writes = queuedWrites(residents.astrid.ref);
    app = await browser.openApp({
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
    expect(await page.getByTestId('last-sync').innerText()).toMatch(/^Sist forberedt .*\(for 2 t siden\)$/);
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

/**
 * Text at 200 % (WCAG 1.4.4) in the app's window size, and the main screens in the dark
 * colour scheme. The root font size is raised through the CSSOM: the app's CSP allows
 * no inline <style> element, which is what page.addStyleTag would add.
 */
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { homeCareNurse } from '../fixtures/app';
import { patientRecord } from '../fixtures/patient';
import { routeWorklist, wardWorklist } from '../fixtures/worklists';
import { expectAccessible } from './axe';
import { expectClean, TestBrowser, waitForScreen, type AppPage } from './harness';
import { patients, signedIn } from './scenarios';

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

const ward = wardWorklist();
const astrid = patientRecord(ward.entries[0]!);

async function doubleText(page: Page): Promise<void> {
  await page.evaluate(() => document.documentElement.style.setProperty('font-size', '200%'));
  // The text did grow: 200 % of Chromium's default 16 px.
  expect(await page.evaluate(() => getComputedStyle(document.documentElement).fontSize)).toBe('32px');
}

interface Overflow {
  scrollWidth: number;
  clientWidth: number;
  /** Elements wider than the viewport or reaching past its right edge. */
  offenders: string[];
}

async function horizontalOverflow(page: Page): Promise<Overflow> {
  return page.evaluate(() => {
    const root = document.documentElement;
    const width = root.clientWidth;
    const offenders: string[] = [];
    for (const el of document.querySelectorAll<HTMLElement>('body *')) {
      const r = el.getBoundingClientRect();
      if (r.width === 0 || r.height === 0) continue;
      if (r.right > width + 1) {
        const id = el.getAttribute('data-testid') ?? el.id ?? '';
        const parentInside = el.parentElement ? el.parentElement.getBoundingClientRect().right > width + 1 : false;
        if (!parentInside)
          offenders.push(
            `${el.tagName.toLowerCase()}${id ? `[${id}]` : ''}.${el.className} right=${Math.round(r.right)}`,
          );
      }
    }
    return { scrollWidth: root.scrollWidth, clientWidth: width, offenders };
  });
}

/** Each control is in the viewport's width and not covered, once scrolled to. */
async function expectControlsReachable(page: Page, testids: string[]): Promise<void> {
  for (const testid of testids) {
    const control = page.getByTestId(testid).first();
    await control.scrollIntoViewIfNeeded();
    const box = await control.boundingBox();
    expect(box, `${testid} has a box`).not.toBeNull();
    expect(box!.x, `${testid} left edge`).toBeGreaterThanOrEqual(0);
    expect(box!.x + box!.width, `${testid} right edge`).toBeLessThanOrEqual(1280);
    const onTop = await control.evaluate((el) => {
      const r = el.getBoundingClientRect();
      const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
      return hit !== null && (hit === el || el.contains(hit));
    });
    expect(onTop, `${testid} is not covered by another element`).toBe(true);
  }
}

describe('200 % text at 1280×800', () => {
  it('ward worklist: no horizontal scrolling, controls reachable', async () => {
    app = await browser.openApp(signedIn());
    const { page } = app;
    await waitForScreen(page, 'worklist');
    await doubleText(page);
    expect(await horizontalOverflow(page)).toMatchObject({ offenders: [] });
    const { scrollWidth, clientWidth } = await horizontalOverflow(page);
    expect(scrollWidth).toBeLessThanOrEqual(clientWidth);
    await expectControlsReachable(page, [
      'sign-out',
      'language-switch',
      'outbox-count',
      'sync-start',
      'lookup-submit',
      'open-patient',
    ]);
    expectClean(app);
  });

  // At 200 % the route's table becomes one card per visit (no sideways scrolling).
  it('home-care route: no horizontal scrolling, controls reachable', async () => {
    app = await browser.openApp(signedIn({ clinician: homeCareNurse, worklist: routeWorklist() }));
    const { page } = app;
    await waitForScreen(page, 'worklist');
    await doubleText(page);
    expect(await horizontalOverflow(page)).toMatchObject({ offenders: [] });
    await expectControlsReachable(page, ['sign-out', 'open-patient', 'visit-complete']);
    expectClean(app);
  });

  it('patient overview: no horizontal scrolling, controls reachable', async () => {
    app = await browser.openApp({ ...signedIn(), ...patients([astrid]) });
    const { page } = app;
    await waitForScreen(page, 'worklist');
    await page.getByTestId('open-patient').first().click();
    await waitForScreen(page, 'patient');
    await doubleText(page);
    expect(await horizontalOverflow(page)).toMatchObject({ offenders: [] });
    await expectControlsReachable(page, [
      'back-to-worklist',
      'vitals-save',
      'note-save',
      'task-complete',
      'open-document',
    ]);
    expectClean(app);
  });
});

describe('dark colour scheme', () => {
  it('worklist and patient overview have no serious accessibility violations', async () => {
    app = await browser.openApp({ ...signedIn(), ...patients([astrid]) }, { colorScheme: 'dark' });
    const { page } = app;
    await waitForScreen(page, 'worklist');
    await expectAccessible(page, 'ward worklist, dark');
    await page.getByTestId('open-patient').first().click();
    await waitForScreen(page, 'patient');
    await expectAccessible(page, 'patient overview, dark');
    expectClean(app);
  });
});

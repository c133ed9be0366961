/**
 * Text at 200 % (WCAG 1.4.4) in the app's window size, and the main screens in the dark
 * colour scheme. The root font size is raised through the CSSOM: the app's CSP allows
 * no inline <style> element, which is what page.addStyleTag would add.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { homeCareNurse } from '../fixtures/app';
import { patientRecord } from '../fixtures/patient';
import { routeWorklist, wardWorklist } from '../fixtures/worklists';
import { expectAccessible } from './axe';
import { expectClean, openFirstPatient, usePages, waitForScreen, type AppPage } from './harness';
import { patients, signedIn } from './scenarios';

const pages = usePages();
let app: AppPage | null = null;

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

/**
 * Texts on the page that look like a catalogue key (`customise.move_up`), an unfilled
 * placeholder (`{widget}`) or `undefined`: in the text, in accessible names and titles,
 * and in the options of a select.
 */
async function untranslated(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const texts: string[] = document.body.innerText.split('\n');
    for (const el of document.querySelectorAll('*')) {
      for (const attr of ['aria-label', 'title', 'placeholder']) {
        const value = el.getAttribute(attr);
        if (value) texts.push(value);
      }
      if (el instanceof HTMLOptionElement) texts.push(el.text);
    }
    const key = /^[a-z_]+\.[a-z0-9_.]+$/;
    return texts
      .map((t) => t.trim())
      .filter((t) => key.test(t) || /\{\w+\}/.test(t) || /\bundefined\b/.test(t));
  });
}

describe('200 % text at 1280×800', () => {
  it('ward worklist: no horizontal scrolling, controls reachable', async () => {
    app = await pages.open(signedIn());
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
    app = await pages.open(signedIn({ clinician: homeCareNurse, worklist: routeWorklist() }));
    const { page } = app;
    await waitForScreen(page, 'worklist');
    await doubleText(page);
    expect(await horizontalOverflow(page)).toMatchObject({ offenders: [] });
    await expectControlsReachable(page, ['sign-out', 'open-patient', 'visit-complete']);
    expectClean(app);
  });

  it('home-care patient with home measurements: no horizontal scrolling, accessible in both themes', async () => {
    const route = routeWorklist();
    const visited = patientRecord(route.entries[0]!);
    app = await pages.open({ ...signedIn({ clinician: homeCareNurse, worklist: route }), ...patients([visited]) });
    const { page } = app;
    await openFirstPatient(page);
    expect(await page.getByTestId('home-series').count()).toBe(visited.home.length);
    await expectAccessible(page, 'home-care overview');
    await doubleText(page);
    expect(await horizontalOverflow(page)).toMatchObject({ offenders: [] });
    await page.emulateMedia({ colorScheme: 'dark' });
    await expectAccessible(page, 'home-care overview, 200 %, dark');
    expectClean(app);
  });

  it('patient overview: no horizontal scrolling, controls reachable', async () => {
    app = await pages.open({ ...signedIn(), ...patients([astrid]) });
    const { page } = app;
    await openFirstPatient(page);
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

describe('customise mode at 200 % text, in each language', () => {
  const TOOLS = [
    'customise-save',
    'customise-cancel',
    'customise-reset',
    'widget-add-choice',
    'widget-add',
    'widget-move-up',
    'widget-move-down',
    'widget-narrower',
    'widget-wider',
    'widget-remove',
  ];

  it('has no horizontal scrolling, every tool reachable, and no text left untranslated', async () => {
    app = await pages.open({ ...signedIn(), ...patients([astrid]) });
    const { page } = app;
    await openFirstPatient(page);
    await page.getByTestId('customise-start').click();
    await page.getByTestId('customise-bar').waitFor();
    // Something announced and something to add back, so those texts are on the page too.
    await page.locator('[data-widget="notes"] [data-testid="widget-remove"]').click();
    expect(await untranslated(page)).toEqual([]);

    await doubleText(page);
    expect(await horizontalOverflow(page)).toMatchObject({ offenders: [] });
    const { scrollWidth, clientWidth } = await horizontalOverflow(page);
    expect(scrollWidth).toBeLessThanOrEqual(clientWidth);
    await expectControlsReachable(page, TOOLS);
    // The last widget's tools too; every widget takes the full width (one column).
    const lastRemove = page.getByTestId('widget').last().getByTestId('widget-remove');
    await lastRemove.scrollIntoViewIfNeeded();
    const box = await lastRemove.boundingBox();
    expect(box!.x).toBeGreaterThanOrEqual(0);
    expect(box!.x + box!.width).toBeLessThanOrEqual(1280);
    const widths = await page
      .getByTestId('widget')
      .evaluateAll((els) => els.map((e) => Math.round(e.getBoundingClientRect().width)));
    expect(new Set(widths).size).toBe(1);

    // Nynorsk, then English (the longer labels), still at 200 %.
    const move = page.locator('[data-widget="vitals"] [data-testid="widget-move-up"]');
    await page.locator('[data-testid="language-switch"] [data-locale="nn"]').click();
    await expect.poll(() => page.locator('#customise-heading').innerText()).toBe('Tilpass oversikta');
    expect(await move.getAttribute('aria-label')).toBe('Flytt «Vitale parametrar» opp');
    expect(await untranslated(page)).toEqual([]);

    await page.locator('[data-testid="language-switch"] [data-locale="en"]').click();
    await expect.poll(() => page.getByTestId('customise-save').innerText()).toBe('Done');
    expect(await move.getAttribute('aria-label')).toBe('Move “Vital signs” up');
    const offered = await page.getByTestId('widget-add-choice').locator('option').allInnerTexts();
    expect(offered[0]).toBe('Choose a panel …');
    expect(offered).toContain('Nursing notes');
    expect(await untranslated(page)).toEqual([]);
    expect(await horizontalOverflow(page)).toMatchObject({ offenders: [] });
    await expectControlsReachable(page, ['customise-reset', 'widget-add', 'widget-remove']);
    // The next announcement is in the new language.
    await page.locator('[data-widget="vitals"] [data-testid="widget-wider"]').click();
    expect(await page.getByTestId('customise-announcement').innerText()).toMatch(/^“Vital signs”: /);
    expectClean(app);
  });
});

describe('dark colour scheme', () => {
  it('worklist and patient overview have no serious accessibility violations', async () => {
    app = await pages.open({ ...signedIn(), ...patients([astrid]) }, { colorScheme: 'dark' });
    const { page } = app;
    await waitForScreen(page, 'worklist');
    await expectAccessible(page, 'ward worklist, dark');
    await page.getByTestId('open-patient').first().click();
    await waitForScreen(page, 'patient');
    await expectAccessible(page, 'patient overview, dark');
    expectClean(app);
  });
});

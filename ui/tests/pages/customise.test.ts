/**
 * The overview's layout: customise mode with the keyboard and by dragging, saving,
 * a refused save, reset, IT's locks, a layout that cannot be loaded, and the vitals
 * chart's period inside the overview. Customise mode at 200 % text and in the other
 * languages is in layout.test.ts; focus after a move down in widget-grid.test.ts.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { LayoutItem } from '../../src/lib/bindings/LayoutItem';
import type { WidgetId } from '../../src/lib/bindings/WidgetId';
import type { WorkspaceLayout } from '../../src/lib/bindings/WorkspaceLayout';
import { ALL_WIDGETS } from '../../src/lib/layoutEdit';
import { defaultLayout } from '../fixtures/app';
import { patientRecord, vitalsHistory } from '../fixtures/patient';
import { wardWorklist } from '../fixtures/worklists';
import { expectAccessible } from './axe';
import { expectClean, usePages, waitForScreen, type AppPage } from './harness';
import { appError } from './ipc';
import { patients, signedIn } from './scenarios';

const pages = usePages();
let app: AppPage | null = null;

const ward = wardWorklist();
const astrid = patientRecord(ward.entries[0]!);
/** The ward nurse's role default, as the backend builds it in. */
const nurseDefault = (): WorkspaceLayout => defaultLayout('nursing_home_nurse');

async function openOverview(page: Page): Promise<void> {
  await waitForScreen(page, 'worklist');
  await page.locator(`[data-testid="open-patient"][data-patient-ref="${astrid.ref}"]`).click();
  await waitForScreen(page, 'patient');
}

/** The widgets on screen, in order, with their sizes. */
async function shown(page: Page): Promise<LayoutItem[]> {
  return page.getByTestId('widget').evaluateAll((els) =>
    els.map((el) => ({
      widget: el.getAttribute('data-widget') as WidgetId,
      size: el.getAttribute('data-size') as LayoutItem['size'],
    })),
  );
}

const widget = (page: Page, id: WidgetId) => page.locator(`[data-testid="widget"][data-widget="${id}"]`);
const tool = (page: Page, id: WidgetId, testid: string) => widget(page, id).getByTestId(testid);

/** The data-widget of the widget that holds keyboard focus, if any. */
function focusedWidget(page: Page): Promise<string | null> {
  return page.evaluate(
    () => document.activeElement?.closest('[data-testid="widget"]')?.getAttribute('data-widget') ?? null,
  );
}

describe('customising the overview', () => {
  it('arranges with the keyboard, resizes, removes, adds back and saves exactly that', async () => {
    let saved: WorkspaceLayout | null = null;
    app = await pages.open({
      ...signedIn(),
      ...patients([astrid]),
      save_layout: ({ items }) => (saved = { ...nurseDefault(), items, customised: true }),
    });
    const { page, ipc } = app;
    await openOverview(page);
    expect(await shown(page)).toEqual(nurseDefault().items);
    // Outside customise mode: no tools, nothing inert.
    expect(await page.getByTestId('widget-tools').count()).toBe(0);
    expect(await page.locator('.widget-body[inert]').count()).toBe(0);

    await page.getByTestId('customise-start').click();
    await page.getByTestId('customise-bar').waitFor();
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('customise-save');
    const count = nurseDefault().items.length;
    expect(await page.getByTestId('widget-tools').count()).toBe(count);
    expect(await page.locator('.widget-body[inert]').count()).toBe(count);
    await expectAccessible(page, 'overview in customise mode');

    // Documents two places up: Enter, then Space, focus staying on its ↑ button.
    await tool(page, 'documents', 'widget-move-up').focus();
    await page.keyboard.press('Enter');
    await expect.poll(async () => (await shown(page)).findIndex((i) => i.widget === 'documents')).toBe(6);
    expect(await focusedWidget(page)).toBe('documents');
    await page.keyboard.press('Space');
    await expect.poll(async () => (await shown(page)).findIndex((i) => i.widget === 'documents')).toBe(5);
    expect(await focusedWidget(page)).toBe('documents');
    expect(await page.getByTestId('customise-announcement').innerText()).toBe(
      `«Dokumenter» er nå nummer 6 av ${count}.`,
    );

    // Wider, from the keyboard too.
    await tool(page, 'documents', 'widget-wider').focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => widget(page, 'documents').getAttribute('data-size')).toBe('large');

    // Remove the note, then add it back from the list.
    await tool(page, 'notes', 'widget-remove').click();
    await expect.poll(() => widget(page, 'notes').count()).toBe(0);
    expect(await page.getByTestId('customise-announcement').innerText()).toBe('«Sykepleienotater» er fjernet.');
    const choice = page.getByTestId('widget-add-choice');
    const offered = await choice.locator('option').allInnerTexts();
    expect(offered[0]).toBe('Velg et felt …');
    expect(offered).toContain('Sykepleienotater');
    await choice.selectOption('notes');
    await page.getByTestId('widget-add').click();
    await widget(page, 'notes').waitFor();

    const arranged: LayoutItem[] = [
      { widget: 'decision_support', size: 'full' },
      { widget: 'critical_info', size: 'medium' },
      { widget: 'vitals', size: 'medium' },
      { widget: 'care_plan', size: 'medium' },
      { widget: 'record_vitals', size: 'medium' },
      { widget: 'documents', size: 'large' },
      { widget: 'medications', size: 'medium' },
      { widget: 'problems', size: 'medium' },
      { widget: 'general_practitioner', size: 'medium' },
      { widget: 'notes', size: 'medium' },
    ];
    expect(await shown(page)).toEqual(arranged);
    expect(ipc.callsTo('save_layout')).toEqual([]);

    await page.getByTestId('customise-save').click();
    await page.getByTestId('customise-start').waitFor();
    expect(ipc.callsTo('save_layout')).toEqual([{ items: arranged }]);
    expect(saved).not.toBeNull();
    expect(await shown(page)).toEqual(arranged);
    expect(await page.getByTestId('widget-tools').count()).toBe(0);
    expect(await page.locator('.widget-body[inert]').count()).toBe(0);
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('customise-start');
    // Now customised: said to screen readers on the start button.
    expect(await page.getByTestId('customise-start').textContent()).toContain('(tilpasset)');
    expectClean(app);
  });

  it('keeps the draft on screen and says why when saving is refused; reset goes back to the default', async () => {
    const mine: LayoutItem[] = [...nurseDefault().items].reverse();
    app = await pages.open({
      ...signedIn(),
      ...patients([astrid]),
      layout: () => ({ ...nurseDefault(), items: mine, customised: true }),
      save_layout: () => {
        throw appError('invalid_input', 'critical_info is locked on');
      },
      reset_layout: () => nurseDefault(),
    });
    const { page, ipc } = app;
    await openOverview(page);
    expect(await shown(page)).toEqual(mine);
    await page.getByTestId('customise-start').click();
    await tool(page, 'critical_info', 'widget-move-up').click();
    await tool(page, 'critical_info', 'widget-narrower').click();
    const draft = await shown(page);
    // Reversed, decision support is last and critical information before it; one up.
    expect(draft.at(-3)).toEqual({ widget: 'critical_info', size: 'small' });

    await page.getByTestId('customise-save').click();
    const error = page.getByTestId('customise-error');
    await error.waitFor();
    expect(await error.getAttribute('data-error-code')).toBe('invalid_input');
    expect(await error.getAttribute('role')).toBe('alert');
    expect(ipc.callsTo('save_layout')).toEqual([{ items: draft }]);
    // Nothing arranged is lost: still customising, the draft on screen.
    expect(await shown(page)).toEqual(draft);
    expect(await page.getByTestId('customise-bar').isVisible()).toBe(true);
    expect(await page.getByTestId('widget-tools').count()).toBe(mine.length);
    expect(await page.getByTestId('customise-save').isEnabled()).toBe(true);

    await page.getByTestId('customise-reset').click();
    await page.getByTestId('customise-start').waitFor();
    expect(ipc.callsTo('reset_layout')).toHaveLength(1);
    expect(await shown(page)).toEqual(nurseDefault().items);
    expect(await page.getByTestId('customise-error').count()).toBe(0);
    expectClean(app);
  });

  it("keeps IT's locked widget, reorders by drag and drop, and is accessible in the dark", async () => {
    const locked: WorkspaceLayout = { ...nurseDefault(), locked_on: ['critical_info'] };
    app = await pages.open(
      {
        ...signedIn(),
        ...patients([astrid]),
        layout: () => locked,
        save_layout: ({ items }) => ({ ...locked, items, customised: true }),
      },
      { colorScheme: 'dark' },
    );
    const { page, ipc } = app;
    await openOverview(page);
    await page.getByTestId('customise-start').click();
    expect(await tool(page, 'critical_info', 'widget-remove').isDisabled()).toBe(true);
    expect(await tool(page, 'critical_info', 'widget-locked').innerText()).toBe('Låst av IT');
    expect(await page.getByTestId('widget-locked').count()).toBe(1);
    expect(await tool(page, 'vitals', 'widget-remove').isEnabled()).toBe(true);
    await expectAccessible(page, 'overview in customise mode, dark');

    // Critical information dropped on the vitals beside it takes their place. Both are
    // in view first: Playwright scrolls to the target between mouse down and the first
    // move, and Chromium would then start the drag on whatever lies under the pointer.
    await widget(page, 'critical_info').evaluate((el) => el.scrollIntoView({ block: 'start' }));
    await widget(page, 'critical_info').dragTo(widget(page, 'vitals'));
    await expect
      .poll(async () => (await shown(page)).map((i) => i.widget).slice(0, 4))
      .toEqual(['decision_support', 'vitals', 'critical_info', 'care_plan']);
    expect(await page.locator('.drop-target, .dragging').count()).toBe(0);
    await page.getByTestId('customise-save').click();
    await page.getByTestId('customise-start').waitFor();
    expect(ipc.callsTo('save_layout')[0]?.items.map((i) => i.widget).slice(0, 4)).toEqual([
      'decision_support',
      'vitals',
      'critical_info',
      'care_plan',
    ]);
    expectClean(app);
  });

  it('shows every widget and a retry when the layout cannot be loaded', async () => {
    let layoutUp = false;
    app = await pages.open({
      ...signedIn(),
      ...patients([astrid]),
      layout: () => {
        if (!layoutUp) throw appError('service_unavailable', 'profile store unreachable');
        return { ...nurseDefault(), items: nurseDefault().items.slice(0, 3) };
      },
    });
    const { page, ipc } = app;
    await openOverview(page);
    const error = page.getByTestId('layout-error');
    await error.waitFor();
    expect(await error.getAttribute('data-error-code')).toBe('service_unavailable');
    // Nothing is hidden for want of a layout: every widget, each with its content.
    expect((await shown(page)).map((i) => i.widget)).toEqual([...ALL_WIDGETS]);
    expect(await page.getByTestId('allergy-item').count()).toBe(2);
    expect(await page.getByTestId('problem-list').count()).toBe(1);
    expect(await page.getByTestId('customise-start').isDisabled()).toBe(true);

    layoutUp = true;
    await error.getByRole('button', { name: 'Prøv igjen' }).click();
    await expect.poll(async () => (await shown(page)).length).toBe(3);
    expect(await page.getByTestId('layout-error').count()).toBe(0);
    expect(await page.getByTestId('customise-start').isEnabled()).toBe(true);
    expect(ipc.callsTo('layout').length).toBeGreaterThanOrEqual(2);
    expectClean(app);
  });
});

describe('vitals chart in the overview', () => {
  it('asks for the period chosen, and draws what comes back', async () => {
    app = await pages.open({
      ...signedIn(),
      ...patients([astrid]),
      vitals_history: ({ period }) => {
        const history = vitalsHistory(astrid, period);
        // The last day has pulse and temperature only, over three sets.
        if (period !== 'day') return history;
        return {
          ...history,
          series: history.series.filter((s) => s.kind === 'pulse' || s.kind === 'temperature'),
          news2: history.news2.slice(-3),
        };
      },
    });
    const { page, ipc } = app;
    await openOverview(page);
    const chart = page.getByTestId('vitals-chart');
    await chart.getByTestId('chart-body').waitFor();
    expect(ipc.callsTo('vitals_history')).toEqual([{ period: 'month' }]);
    expect(await chart.getByTestId('chart-series').count()).toBe(6);
    expect(await chart.getByTestId('chart-body').getAttribute('data-points')).toBe('7');

    await chart.locator('label', { has: page.getByTestId('chart-period-day') }).click();
    await ipc.waitForCall('vitals_history', (a) => a.period === 'day');
    await expect.poll(() => chart.getByTestId('chart-series').count()).toBe(2);
    expect(await chart.getByTestId('chart-series').evaluateAll((els) => els.map((e) => e.dataset.kind))).toEqual([
      'pulse',
      'temperature',
    ]);
    expect(await chart.getByTestId('chart-body').getAttribute('data-points')).toBe('3');
    expect(await chart.getByTestId('chart-news2').count()).toBe(1);
    expect(await page.getByTestId('chart-period-day').isChecked()).toBe(true);

    await chart.getByTestId('chart-table-toggle').click();
    expect(await chart.getByTestId('chart-table').locator('tbody tr').count()).toBe(3);
    expectClean(app);
  });

  // The backend groups sets to the second now, but the chart must not trust any source
  // to give distinct times: rows are keyed by position.
  it('draws the chart when two NEWS2 points carry the same second', async () => {
    app = await pages.open({
      ...signedIn(),
      ...patients([astrid]),
      vitals_history: ({ period }) => {
        const history = vitalsHistory(astrid, period);
        history.news2[2] = { ...history.news2[2]!, at: history.news2[1]!.at };
        return history;
      },
    });
    const { page, ipc } = app;
    await openOverview(page);
    await ipc.waitForCall('vitals_history');
    await page.getByTestId('chart-body').waitFor({ timeout: 500 });
    expectClean(app);
  });
});

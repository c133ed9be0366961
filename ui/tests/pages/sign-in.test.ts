import { describe, expect, it } from 'vitest';
import { appInfo, wardNurse } from '../fixtures/app';
import { wardWorklist } from '../fixtures/worklists';
import { expectAccessible } from './axe';
import { expectClean, usePages, texts, waitForScreen, type AppPage } from './harness';
import { appError } from './ipc';
import { signedIn } from './scenarios';

const pages = usePages();
let app: AppPage | null = null;

describe('sign-in', () => {
  it('starts at sign-in without a session and reaches the ward worklist after HelseID', async () => {
    let release: (() => void) | null = null;
    app = await pages.open({
      ...signedIn({ clinician: null }),
      // The browser round trip takes a while: the page waits, with a cancel button.
      sign_in: () => new Promise((resolve) => (release = () => resolve(wardNurse))),
    });
    const { page, ipc } = app;
    await waitForScreen(page, 'sign-in');
    expect(ipc.commands().slice(0, 2).sort()).toEqual(['app_info', 'current_clinician']);
    await expect.poll(() => page.getByTestId('sign-in-button').isVisible()).toBe(true);
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Arbeidsflate');
    // Nothing about patients is asked for before sign-in.
    expect(ipc.commands()).not.toContain('worklist');

    await page.getByTestId('sign-in-button').click();
    await page.getByTestId('cancel-sign-in').waitFor();
    expect(ipc.callsTo('sign_in')).toEqual([{ again: false }]);
    (release as (() => void) | null)?.();

    await waitForScreen(page, 'worklist');
    expect(await page.getByTestId('clinician-name').innerText()).toBe(wardNurse.name);
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Solbakken sykehjem, avdeling 2');
    const names = (await texts(page, 'open-patient')).sort();
    expect(names).toEqual(
      wardWorklist()
        .entries.map((e) => e.name)
        .sort(),
    );
    const firstRow = page.getByTestId('worklist-row').first();
    expect(await firstRow.locator('td').first().innerText()).toBe('101');
    // The numbers shown are the fixtures' synthetic ones, formatted as the backend sends them.
    expect(await page.locator('[data-testid="worklist-row"] .nin').allInnerTexts()).toEqual(
      wardWorklist().entries.map((e) => e.national_id),
    );
    expectClean(app);
  });

  it('shows a refused sign-in as an error and stays on the sign-in screen', async () => {
    app = await pages.open({
      ...signedIn({ clinician: null }),
      sign_in: () => {
        throw appError('sign_in_rejected', 'invalid_grant');
      },
    });
    const { page, ipc } = app;
    await waitForScreen(page, 'sign-in');
    await page.getByTestId('sign-in-button').click();
    const error = page.getByTestId('sign-in-error');
    await error.waitFor();
    expect(await error.getAttribute('data-error-code')).toBe('sign_in_rejected');
    expect(await error.locator('.error-text').innerText()).toContain('Påloggingen ble avvist');
    expect(ipc.commands()).not.toContain('worklist');
    // Focus goes back to the button, so the keyboard user can try again.
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('sign-in-button');
    expectClean(app);
  });

  it("runs under the Tauri window's Content-Security-Policy", async () => {
    app = await pages.open(signedIn({ clinician: null }));
    const { page } = app;
    await waitForScreen(page, 'sign-in');
    // An inline script, as injected markup would bring, is refused and reported.
    const outcome = await page.evaluate(
      () =>
        new Promise<string>((resolve) => {
          document.addEventListener('securitypolicyviolation', (e) => resolve(e.violatedDirective), { once: true });
          const script = document.createElement('script');
          script.textContent = 'window.__inlineRan = true';
          document.body.append(script);
          setTimeout(() => resolve('inlineRan' in window ? 'ran' : 'no report'), 1000);
        }),
    );
    expect(outcome).toMatch(/^script-src/);
    expect(app.problems.some((p) => p.includes('Content Security Policy'))).toBe(true);
  });

  it('sign-in screen has no serious accessibility violations', async () => {
    app = await pages.open(signedIn({ clinician: null }));
    await waitForScreen(app.page, 'sign-in');
    await app.page.getByTestId('sign-in-button').waitFor();
    await expectAccessible(app.page, 'sign-in screen');
    expectClean(app);
  });

  it('below IT’s minimum version shows only how to update: no sign-in, no patient data', async () => {
    const signedOut = signedIn({ clinician: null });
    app = await pages.open({
      ...signedOut,
      app_info: () => ({ ...appInfo, minimum_version: '0.2.0', update_required: true }),
    });
    const { page, ipc } = app;
    await waitForScreen(page, 'update-required');
    const notice = page.getByTestId('update-required');
    expect(await notice.innerText()).toContain('Dette er versjon 0.1.0. IT krever versjon 0.2.0 eller nyere');
    expect(await page.getByTestId('sign-in-button').count()).toBe(0);
    expect(ipc.commands()).not.toContain('sign_in');
    expect(ipc.commands()).not.toContain('worklist');
    await expectAccessible(page, 'update required');
    expectClean(app);
  });
});

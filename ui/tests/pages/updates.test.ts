import { describe, expect, it } from 'vitest';
import { minutesAgo } from '../fixtures/time';
import { expectAccessible } from './axe';
import { expectClean, usePages, waitForScreen, type AppPage } from './harness';
import { appError } from './ipc';
import { signedIn } from './scenarios';

const pages = usePages();
let app: AppPage | null = null;

describe('signed updates', () => {
  it('a verified update waits for the user, who installs it after a confirmation', async () => {
    let installs = 0;
    app = await pages.open({
      ...signedIn(),
      update_status: () => ({ state: 'ready', version: '0.2.0', notes: null, checked_at: minutesAgo(20) }),
      install_update: () => {
        installs += 1;
        if (installs === 1) throw appError('update_install_failed', 'Authentication failed or was cancelled');
        return null;
      },
    });
    const { page, ipc } = app;
    await waitForScreen(page, 'worklist');
    const notice = page.getByTestId('update-ready');
    await notice.waitFor();
    expect(await notice.innerText()).toContain('Versjon 0.2.0 er lastet ned og kontrollert.');
    // Nothing is installed behind the clinician's back.
    expect(ipc.callsTo('install_update')).toEqual([]);
    await expectAccessible(page, 'update ready');

    await page.getByTestId('update-install').click();
    await page.getByTestId('update-confirm').waitFor();
    await page.getByTestId('update-confirm-cancel').click();
    expect(ipc.callsTo('install_update')).toEqual([]);

    await page.getByTestId('update-install').click();
    await page.getByTestId('update-confirm-install').click();
    const failed = page.getByTestId('update-install-error');
    await failed.waitFor();
    expect(await failed.getAttribute('data-error-code')).toBe('update_install_failed');
    // The worklist is still there to work in.
    expect(await page.getByTestId('worklist').count()).toBe(1);

    await page.getByTestId('update-install').click();
    await page.getByTestId('update-confirm-install').click();
    await expect.poll(() => installs).toBe(2);
    expectClean(app);
  });

  it('a refused update is a notice the clinician can hide, and sign-in still works', async () => {
    app = await pages.open({
      ...signedIn({ clinician: null }),
      update_status: () => ({
        state: 'refused',
        error: appError('update_signature_invalid', 'The signature verification failed'),
        offered: '0.2.0',
        checked_at: minutesAgo(20),
      }),
    });
    const { page } = app;
    await waitForScreen(page, 'sign-in');
    const notice = page.getByTestId('update-refused');
    await notice.waitFor();
    expect(await notice.getAttribute('data-error-code')).toBe('update_signature_invalid');
    const text = await notice.innerText();
    expect(text).toContain('Oppdatering til 0.2.0 ble avvist. Du kan arbeide videre på versjon 0.1.0');
    expect(text).toContain('endret eller skadet underveis');
    await expectAccessible(page, 'update refused');

    await page.getByTestId('update-hide').click();
    expect(await page.getByTestId('update-refused').count()).toBe(0);
    expect(await page.getByTestId('sign-in-button').isEnabled()).toBe(true);
    expectClean(app);
  });
});

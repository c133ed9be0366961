/**
 * One headless Chromium per test file, and one page in it that the file's tests take
 * turns on (a new renderer per test costs more than the test); each test loads the app
 * afresh in it with its own IPC stub and an empty localStorage. Every page's Date says
 * NOW (tests/fixtures/time.ts) from before the app loads; a test that needs the clock
 * to run (Playwright's fake timers) gets a page of its own, its clock starting at NOW.
 *
 * Uncaught page errors, console errors (CSP refusals among them) and dialogs (an
 * `alert` would mean injected script ran) are collected; `expectClean` fails the test
 * on any of them, and on commands the stub was not told to answer.
 */
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect, inject } from 'vitest';
import { BROWSER_LOCALE, CHROMIUM_ARGS, CHROMIUM_PATH, TIMEZONE, VIEWPORT } from '../chromium';
import { NOW } from '../fixtures/time';
import type { Screen } from '../../src/lib/screen';
import { installIpcBridge, IpcStub, type Handlers } from './ipc';

export interface AppPage {
  page: Page;
  ipc: IpcStub;
  /** Page errors, console errors and dialogs seen so far. */
  problems: string[];
  close(): Promise<void>;
}

export interface OpenOptions {
  colorScheme?: 'light' | 'dark';
  /** A page of its own with Playwright's fake clock (timers too) installed at NOW before the app loads. */
  fakeClock?: boolean;
}

interface Slot {
  ipc: IpcStub | null;
  problems: string[];
}

async function preparedPage(context: BrowserContext, slot: Slot): Promise<Page> {
  const page = await context.newPage();
  page.setDefaultTimeout(5_000);
  page.on('pageerror', (e) => slot.problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') slot.problems.push(`console error: ${m.text()} (${m.location().url})`);
  });
  page.on('dialog', (d) => {
    slot.problems.push(`dialog (${d.type()}): ${d.message()}`);
    void d.dismiss();
  });
  await installIpcBridge(page, () => slot.ipc);
  return page;
}

function contextOptions(colorScheme: 'light' | 'dark' = 'light') {
  return {
    viewport: VIEWPORT,
    locale: BROWSER_LOCALE,
    timezoneId: TIMEZONE,
    colorScheme,
    reducedMotion: 'reduce' as const,
  };
}

export class TestBrowser {
  private shared: { context: BrowserContext; page: Page; slot: Slot } | null = null;

  private constructor(private readonly browser: Browser) {}

  static async launch(): Promise<TestBrowser> {
    return new TestBrowser(
      await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true }),
    );
  }

  /** Loads the app with `handlers` answering its IPC calls. */
  async openApp(handlers: Handlers, options: OpenOptions = {}): Promise<AppPage> {
    const ipc = new IpcStub(handlers);
    if (options.fakeClock) {
      const context = await this.browser.newContext(contextOptions(options.colorScheme));
      const slot: Slot = { ipc, problems: [] };
      const page = await preparedPage(context, slot);
      await page.clock.install({ time: NOW });
      ipc.bind(page);
      await page.goto(inject('uiUrl'));
      return { page, ipc, problems: slot.problems, close: () => context.close() };
    }
    if (!this.shared) {
      const context = await this.browser.newContext(contextOptions());
      // Date alone is fixed, for every load in this context; timers run as usual.
      await context.clock.setFixedTime(NOW);
      const slot: Slot = { ipc: null, problems: [] };
      this.shared = { context, page: await preparedPage(context, slot), slot };
    }
    const { page, slot } = this.shared;
    // Nothing from the previous test: not its answers, not its saved language.
    slot.ipc = null;
    if (page.url().startsWith(inject('uiUrl'))) await page.evaluate(() => localStorage.clear());
    await page.goto('about:blank');
    await page.emulateMedia({ colorScheme: options.colorScheme ?? 'light' });
    slot.problems = [];
    slot.ipc = ipc;
    ipc.bind(page);
    await page.goto(inject('uiUrl'));
    return { page, ipc, problems: slot.problems, close: async () => {} };
  }

  async close(): Promise<void> {
    await this.browser.close();
  }
}

/**
 * The setup every page-test file shares: one browser for the file, and the app a test
 * opened closed after it. `open` loads the app with the test's IPC answers.
 */
export function usePages(): { open: (handlers: Handlers, options?: OpenOptions) => Promise<AppPage> } {
  let browser: TestBrowser | null = null;
  let current: AppPage | null = null;
  beforeAll(async () => {
    browser = await TestBrowser.launch();
  });
  afterAll(async () => {
    await browser?.close();
  });
  afterEach(async () => {
    await current?.close();
    current = null;
  });
  return {
    open: async (handlers, options) => {
      if (!browser) throw new Error('usePages: the browser is not launched yet');
      current = await browser.openApp(handlers, options);
      return current;
    },
  };
}

/** Waits until the app says which screen has finished rendering (body[data-screen]). */
/** From the worklist, opens its first patient and waits for the overview. */
export async function openFirstPatient(page: Page): Promise<void> {
  await waitForScreen(page, 'worklist');
  await page.getByTestId('open-patient').first().click();
  await waitForScreen(page, 'patient');
}

export async function waitForScreen(page: Page, screen: Screen): Promise<void> {
  await page.locator(`body[data-screen="${screen}"]`).waitFor({ state: 'attached' });
}

/** No page errors, no console errors, no dialogs, no unanswered or failing stub calls. */
export function expectClean(app: AppPage): void {
  expect(app.problems, 'page errors, console errors or dialogs').toEqual([]);
  expect(app.ipc.unhandled, 'commands without a stub handler').toEqual([]);
  expect(app.ipc.errors, 'stub handlers that threw').toEqual([]);
}

/** Texts of all elements matching a test id, trimmed. */
export async function texts(page: Page, testid: string): Promise<string[]> {
  return (await page.getByTestId(testid).allInnerTexts()).map((s) => s.trim());
}

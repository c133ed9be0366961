import { playwright } from '@vitest/browser-playwright';
import { defineConfig, mergeConfig, type TestProjectInlineConfiguration } from 'vitest/config';
import viteConfig from './vite.config.ts';
import { BROWSER_LOCALE, CHROMIUM_ARGS, CHROMIUM_PATH, TIMEZONE, VIEWPORT } from './tests/chromium.ts';
import { testNow } from './tests/now.ts';

// Before anything reads the zone: Node-side fixtures and the forked workers (which
// inherit this environment) then agree with the browsers, which run in Oslo too.
process.env.TZ = TIMEZONE;

/** One fixed instant for every test (ARBEIDSFLATE_TEST_NOW, else the default). */
const provide = { testNow: testNow() };

/** Components mounted in a real Chromium DOM (Vitest browser mode), its clock at `timezoneId`. */
function widgets(name: string, include: string[], timezoneId: string): TestProjectInlineConfiguration {
  return {
    extends: true,
    test: {
      name,
      include,
      provide,
      // The fixed now first, before any module of the app reads the clock.
      setupFiles: ['tests/widgets/fixed-now.ts', 'tests/widgets/setup.ts'],
      browser: {
        enabled: true,
        headless: true,
        provider: playwright({
          launchOptions: { executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS },
          contextOptions: { locale: BROWSER_LOCALE, timezoneId },
        }),
        instances: [{ browser: 'chromium', viewport: VIEWPORT }],
        screenshotFailures: false,
        // Loopback only, and the next free port if the default is taken.
        api: { host: '127.0.0.1', strictPort: false },
      },
    },
  };
}

export default mergeConfig(
  viteConfig,
  defineConfig({
    test: {
      projects: [
        widgets('widgets', ['tests/widgets/**/*.test.ts'], TIMEZONE),
        // A clinician's machine may be set to any zone: the date code must not care.
        // Auckland is ahead of Oslo by 10–12 hours (another date most afternoons) and
        // has summer time in the other half of the year.
        widgets('widgets-elsewhere', ['tests/widgets/format.test.ts', 'tests/widgets/visits.test.ts'], 'Pacific/Auckland'),
        {
          // The built app in headless Chromium with the backend stubbed at the IPC.
          test: {
            name: 'pages',
            include: ['tests/pages/**/*.test.ts', 'tests/fixtures/**/*.test.ts', 'tests/date-matrix.test.ts'],
            environment: 'node',
            provide,
            globalSetup: ['tests/pages/global-setup.ts'],
            testTimeout: 30_000,
            hookTimeout: 60_000,
          },
        },
      ],
    },
  }),
);

import { playwright } from '@vitest/browser-playwright';
import { defineConfig, mergeConfig } from 'vitest/config';
import viteConfig from './vite.config.ts';
import { BROWSER_LOCALE, CHROMIUM_ARGS, CHROMIUM_PATH, TIMEZONE, VIEWPORT } from './tests/chromium.ts';

export default mergeConfig(
  viteConfig,
  defineConfig({
    test: {
      projects: [
        {
          // Components mounted in a real Chromium DOM (Vitest browser mode).
          extends: true,
          test: {
            name: 'widgets',
            include: ['tests/widgets/**/*.test.ts'],
            setupFiles: ['tests/widgets/setup.ts'],
            browser: {
              enabled: true,
              headless: true,
              provider: playwright({
                launchOptions: { executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS },
                contextOptions: { locale: BROWSER_LOCALE, timezoneId: TIMEZONE },
              }),
              instances: [{ browser: 'chromium', viewport: VIEWPORT }],
              screenshotFailures: false,
              // Loopback only, and the next free port if the default is taken.
              api: { host: '127.0.0.1', strictPort: false },
            },
          },
        },
        {
          // The built app in headless Chromium with the backend stubbed at the IPC.
          test: {
            name: 'pages',
            include: ['tests/pages/**/*.test.ts', 'tests/fixtures/**/*.test.ts'],
            environment: 'node',
            globalSetup: ['tests/pages/global-setup.ts'],
            testTimeout: 30_000,
            hookTimeout: 60_000,
          },
        },
      ],
    },
  }),
);

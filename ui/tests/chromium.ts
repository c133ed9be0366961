/**
 * Debian's Chromium, headless, for both test projects. Playwright's own browser builds
 * are never downloaded: this machine reaches package registries only.
 */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Flags this machine needs (tests may run as root, without a GPU or a network). */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** The app's window size (tauri.conf.json) and the clinicians' locale and time zone. */
export const VIEWPORT = { width: 1280, height: 800 };
export const TIMEZONE = 'Europe/Oslo';
export const BROWSER_LOCALE = 'nb-NO';

/** Widget tests render into Chromium's real DOM with the app's own stylesheet. */
import { afterEach } from 'vitest';
import '../../src/app.css';
import { i18n } from '../../src/lib/i18n/index.svelte';
import { cleanup } from './render';

afterEach(() => {
  cleanup();
  i18n.setLocale('nb');
  localStorage.clear();
});

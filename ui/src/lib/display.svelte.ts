/**
 * The clinician's display choices: light, dark or the system's theme, and a text size.
 * Kept in the webview's storage (no patient data) and applied to <html> as data
 * attributes that app.css reads, so no inline style is needed under the CSP.
 */

export type Theme = 'system' | 'light' | 'dark';
export type TextSize = '100' | '125' | '150' | '200';

export const THEMES: readonly Theme[] = ['system', 'light', 'dark'];
export const TEXT_SIZES: readonly TextSize[] = ['100', '125', '150', '200'];

const THEME_KEY = 'arbeidsflate.theme';
const TEXT_KEY = 'arbeidsflate.text-size';

function stored<T extends string>(key: string, allowed: readonly T[], fallback: T): T {
  try {
    const value = localStorage.getItem(key);
    if (value && (allowed as readonly string[]).includes(value)) return value as T;
  } catch {
    // Storage unavailable: the default.
  }
  return fallback;
}

function persist(key: string, value: string): void {
  try {
    localStorage.setItem(key, value);
  } catch {
    // Not persisted; the choice holds for this session.
  }
}

const state = $state<{ theme: Theme; textSize: TextSize }>({
  theme: stored(THEME_KEY, THEMES, 'system'),
  textSize: stored(TEXT_KEY, TEXT_SIZES, '100'),
});

const systemDark = typeof matchMedia === 'function' ? matchMedia('(prefers-color-scheme: dark)') : null;

function apply(): void {
  const root = document.documentElement;
  const dark = state.theme === 'dark' || (state.theme === 'system' && (systemDark?.matches ?? false));
  root.dataset.theme = dark ? 'dark' : 'light';
  root.dataset.textSize = state.textSize;
}

systemDark?.addEventListener('change', apply);
apply();

export const display = {
  get theme(): Theme {
    return state.theme;
  },
  get textSize(): TextSize {
    return state.textSize;
  },
  setTheme(theme: Theme): void {
    state.theme = theme;
    persist(THEME_KEY, theme);
    apply();
  },
  setTextSize(size: TextSize): void {
    state.textSize = size;
    persist(TEXT_KEY, size);
    apply();
  },
};

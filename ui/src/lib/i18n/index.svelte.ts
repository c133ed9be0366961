import { en } from './en';
import { nb, type Catalogue, type MessageKey } from './nb';
import { nn } from './nn';

export type { MessageKey } from './nb';
export type Locale = 'nb' | 'nn' | 'en';
export const LOCALES: readonly Locale[] = ['nb', 'nn', 'en'];

const catalogues: Record<Locale, Catalogue> = { nb, nn, en };
/** BCP 47 tags for Intl formatting. */
const INTL_TAGS: Record<Locale, string> = { nb: 'nb-NO', nn: 'nn-NO', en: 'en-GB' };
const STORAGE_KEY = 'arbeidsflate.locale';

function isLocale(value: unknown): value is Locale {
  return value === 'nb' || value === 'nn' || value === 'en';
}

function storedLocale(): Locale {
  try {
    const saved = localStorage.getItem(STORAGE_KEY);
    if (isLocale(saved)) return saved;
  } catch {
    // Storage unavailable: fall back to the default.
  }
  return 'nb';
}

const state = $state<{ locale: Locale }>({ locale: storedLocale() });
document.documentElement.lang = state.locale;

/** The reactive locale. Reading `i18n.locale` in a component re-renders it on change. */
export const i18n = {
  get locale(): Locale {
    return state.locale;
  },
  get intlTag(): string {
    return INTL_TAGS[state.locale];
  },
  setLocale(locale: Locale): void {
    state.locale = locale;
    document.documentElement.lang = locale;
    try {
      localStorage.setItem(STORAGE_KEY, locale);
    } catch {
      // Not persisted; the choice still holds for this session.
    }
  },
};

export type Params = Record<string, string | number>;

/** Looks up `key` in the active catalogue and fills `{name}` placeholders from `params`. */
export function t(key: MessageKey, params?: Params): string {
  const template = catalogues[state.locale][key];
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (match, name: string) =>
    Object.hasOwn(params, name) ? String(params[name]) : match,
  );
}

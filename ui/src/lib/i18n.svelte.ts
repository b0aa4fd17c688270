// The current language: the OS locale at first start (WebKit reports it as navigator.language),
// then the admin's choice, remembered across restarts.
import { dictionaries, locales, type Locale, type MessageKey } from "./locales";

const STORAGE_KEY = "iz.locale";

export function detectLocale(preferred: readonly string[]): Locale {
  for (const tag of preferred) {
    const base = tag.toLowerCase().split(/[-_]/)[0];
    if ((locales as string[]).includes(base)) return base as Locale;
  }
  return "en";
}

function initialLocale(): Locale {
  try {
    const saved = localStorage.getItem(STORAGE_KEY);
    if (saved && (locales as string[]).includes(saved)) return saved as Locale;
  } catch {
    // storage unavailable: fall back to the OS locale
  }
  const langs = typeof navigator === "undefined" ? [] : navigator.languages?.length ? navigator.languages : [navigator.language];
  return detectLocale(langs ?? []);
}

class I18n {
  locale = $state<Locale>(initialLocale());

  set(locale: Locale) {
    this.locale = locale;
    try {
      localStorage.setItem(STORAGE_KEY, locale);
    } catch {
      // not remembered, still switched
    }
    if (typeof document !== "undefined") document.documentElement.lang = locale;
  }
}

export const i18n = new I18n();

export function format(template: string, params: Record<string, string | number> = {}): string {
  return template.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? String(params[name]) : whole));
}

export function t(key: MessageKey, params?: Record<string, string | number>): string {
  const template = dictionaries[i18n.locale][key] ?? dictionaries.en[key];
  return template === undefined ? key : format(template, params);
}

/**
 * A core error for display. The core writes precise English messages, so English shows them as
 * they are; other languages translate by the stable code, falling back to the English message.
 */
export function tCode(prefix: "field", code: string, message: string): string {
  if (i18n.locale === "en") return message;
  const key = `${prefix}.${code}` as MessageKey;
  return key in dictionaries.en ? t(key) : message;
}

/**
 * What a failed conversation's error means, in the window's language, for a language other than
 * English (null in English, or for a code without words: the core's English message says it).
 * The core's message, with Zendesk's own words, is still shown under it.
 */
export function errorSummary(code: string | null | undefined): string | null {
  if (!code || i18n.locale === "en") return null;
  const key = `logerr.${code}` as MessageKey;
  return key in dictionaries.en ? t(key) : null;
}

// The SPA's languages are the files of ./locales/: one JSON catalogue per language, named
// after its code (fr.json, en.json, de.json). Adding a language is adding its file; nothing
// here or elsewhere lists them. French is the source of truth: its keys are MessageKey, and
// the catalogue tests hold every other file to exactly those keys and their placeholders.
// Keys `error.<code>` and `field.<reason>` mirror the API's error codes and 422 field reasons
// (`min=10` → `field.min` with {value}); keys ending in `.one` / `.other` are the singular
// and plural of a count (see tn()); `locale.*` say how the language writes dates and sizes.
import fr from './locales/fr.json';

/** Every key of the catalogue. */
export type MessageKey = keyof typeof fr;

/** A complete catalogue: one string per key. */
export type Messages = Record<MessageKey, string>;

/** Values for the `{name}` placeholders of a message. */
export type MessageParams = Record<string, string | number>;

const files = import.meta.glob<Messages>('./locales/*.json', { eager: true, import: 'default' });

/** Every shipped catalogue, by language code (the file's name). */
export const catalogues: Readonly<Record<string, Messages>> = Object.fromEntries(
	Object.entries(files).map(([path, messages]) => [path.replace(/^.*\/|\.json$/g, ''), messages])
);

/** A language the SPA ships a catalogue for: the code of a file in ./locales/. */
export type Locale = string;

/** Shipped languages, French first: it is the default and the source of truth. */
export const locales: readonly Locale[] = Object.keys(catalogues).sort((a, b) => (a === 'fr' ? -1 : b === 'fr' ? 1 : a.localeCompare(b)));

const defaultLocale: Locale = 'fr';

// Only the reader's language choice is ever kept in localStorage.
const storageKey = 'cloison.locale';

/** Whether value names a shipped language. */
export function isLocale(value: unknown): value is Locale {
	return typeof value === 'string' && Object.hasOwn(catalogues, value);
}

/** Replaces each `{name}` in template with params.name; unknown placeholders stay visible. */
export function interpolate(template: string, params?: MessageParams): string {
	if (!params) return template;
	return template.replace(/\{(\w+)\}/g, (placeholder, name: string) =>
		Object.hasOwn(params, name) ? String(params[name]) : placeholder
	);
}

/**
 * Looks key up in messages, then in French, then shows the key itself: a gap in a
 * catalogue (a partial language to come) must read as text, never as a blank.
 */
export function translate(messages: Partial<Messages>, key: string, params?: MessageParams): string {
	const lookup = (catalogue: Partial<Messages>) => (catalogue as Record<string, string | undefined>)[key] || undefined;
	return interpolate(lookup(messages) ?? lookup(fr) ?? key, params);
}

/** Whether the catalogue has key: lets callers turn server codes into messages, or fall back. */
export function hasMessage(key: string): key is MessageKey {
	return Object.hasOwn(fr, key);
}

function storedLocale(): Locale | null {
	try {
		const value = localStorage.getItem(storageKey);
		return isLocale(value) ? value : null;
	} catch {
		return null; // storage disabled by the browser: the choice just is not remembered
	}
}

/** The current UI language; components that call t() re-render when it changes. */
export const i18n = $state({ locale: storedLocale() ?? defaultLocale });

/** Switches the UI language and remembers the reader's choice. */
export function setLocale(locale: Locale): void {
	i18n.locale = locale;
	try {
		localStorage.setItem(storageKey, locale);
	} catch {
		// storage disabled: the switch still applies to this page
	}
}

/** Adopts the instance's default language unless the reader already chose one. */
export function adoptInstanceLocale(locale: string): void {
	if (storedLocale() === null && isLocale(locale)) i18n.locale = locale;
}

/** The message for key in the current language. */
export function t(key: MessageKey, params?: MessageParams): string {
	return translate(catalogues[i18n.locale] ?? {}, key, params);
}

/**
 * A code the server sends (a role, a status, a kind of helper…) in words: the catalogue's
 * `<family>.<code>`, or, for a code the catalogue does not know (a newer server), a word
 * that says so. Never the code itself, nor the key.
 */
export function tCode(family: string, code: string | null | undefined): string {
	const key = `${family}.${code ?? ''}`;
	return code && hasMessage(key) ? t(key) : t('code.unknown');
}

/** Keys that come in a singular and a plural form: `<base>.one` and `<base>.other`. */
export type CountedKey = {
	[K in MessageKey]: K extends `${infer Base}.one` ? (`${Base}.other` extends MessageKey ? Base : never) : never;
}[MessageKey];

/**
 * The message for a count, in the form the current language uses for it (French says
 * « 0 personne », English "0 people"); `{count}` is filled in.
 */
export function tn(base: CountedKey, count: number, params?: MessageParams): string {
	const form = new Intl.PluralRules(i18n.locale).select(count) === 'one' ? 'one' : 'other';
	return t(`${base}.${form}` as MessageKey, { count, ...params });
}

/** The message for key in a given language, e.g. a language's own name in the switcher. */
export function tIn(locale: Locale, key: MessageKey, params?: MessageParams): string {
	return translate(catalogues[locale] ?? {}, key, params);
}

/** The language tag Intl formats dates and numbers with for locale (its `locale.intl`, e.g. fr-FR). */
export function intlTag(locale: Locale): string {
	return tIn(locale, 'locale.intl');
}

/** The languages to offer: those the instance enables among those shipped; all of them if none match. */
export function offeredLocales(enabled: readonly string[]): Locale[] {
	const offered = locales.filter((locale) => enabled.includes(locale));
	return offered.length > 0 ? offered : [...locales];
}

/** Each offered language named in itself, as options of a select. */
export function localeOptions(enabled: readonly string[]): { value: Locale; label: string }[] {
	return offeredLocales(enabled).map((locale) => ({ value: locale, label: tIn(locale, 'locale.name') }));
}

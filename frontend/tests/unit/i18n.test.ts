import { flushSync, mount, unmount } from 'svelte';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { catalogues, interpolate, locales, setLocale, tn, translate } from '../../src/lib/i18n/locale.svelte';
import NotFound from '../../src/pages/NotFound.svelte';

const placeholders = (message: string) => [...message.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

const { fr, en } = catalogues;

describe('catalogues', () => {
	it('are the files of locales/, French first', () => {
		expect(locales[0]).toBe('fr');
		expect(locales).toContain('en');
		expect(new Set(locales).size).toBe(locales.length);
	});

	for (const locale of locales) {
		it(`${locale} has exactly the keys of fr`, () => {
			expect(Object.keys(catalogues[locale]).sort()).toEqual(Object.keys(fr).sort());
		});

		it(`${locale}: no message is empty and each keeps the placeholders of the French one`, () => {
			for (const [key, message] of Object.entries(fr)) {
				const translated = catalogues[locale][key as keyof typeof fr];
				expect(message.trim(), key).not.toBe('');
				expect(translated.trim(), `${locale} ${key}`).not.toBe('');
				expect(placeholders(translated), `${locale} ${key}`).toEqual(placeholders(message));
			}
		});

		it(`${locale} names itself, an Intl tag and four size units`, () => {
			const messages = catalogues[locale];
			expect(() => new Intl.DateTimeFormat(messages['locale.intl'])).not.toThrow();
			expect(messages['locale.intl'].toLowerCase().startsWith(locale)).toBe(true);
			expect(messages['locale.sizeUnits'].split(' ')).toHaveLength(4);
		});
	}
});

describe('interpolate', () => {
	it('replaces named placeholders, numbers included', () => {
		expect(interpolate('{a} and {b} ({a})', { a: 'x', b: 3 })).toBe('x and 3 (x)');
	});

	it('leaves unknown placeholders and text without params untouched', () => {
		expect(interpolate('Hello {name}', { other: 'x' })).toBe('Hello {name}');
		expect(interpolate('Hello {name}')).toBe('Hello {name}');
	});
});

describe('translate', () => {
	it('falls back to French for a key the catalogue lacks', () => {
		expect(translate({}, 'nav.home')).toBe(fr['nav.home']);
	});

	it('shows the key itself when no catalogue has it', () => {
		expect(translate(en, 'no.such.key')).toBe('no.such.key');
	});

	it('interpolates after the lookup', () => {
		expect(translate(en, 'home.greeting', { name: 'Ada' })).toBe('Hello, Ada');
	});
});

describe('current locale', () => {
	// The module reads localStorage when it loads, so each case imports a fresh copy.
	beforeEach(() => {
		localStorage.clear();
		vi.resetModules();
	});
	const load = () => import('../../src/lib/i18n/locale.svelte');

	it('defaults to French', async () => {
		const { i18n, t } = await load();
		expect(i18n.locale).toBe('fr');
		expect(t('nav.home')).toBe('Accueil');
	});

	it('switches, remembers only the locale, and is restored on the next load', async () => {
		const first = await load();
		first.setLocale('en');
		expect(first.t('nav.home')).toBe('Home');
		expect({ ...localStorage }).toEqual({ 'cloison.locale': 'en' });

		vi.resetModules();
		const second = await load();
		expect(second.i18n.locale).toBe('en');
	});

	it('ignores a stored value that is not a shipped locale', async () => {
		localStorage.setItem('cloison.locale', 'xx');
		const { i18n } = await load();
		expect(i18n.locale).toBe('fr');
	});

	it("adopts the instance's default only when the reader has not chosen", async () => {
		const { adoptInstanceLocale, i18n, setLocale } = await load();
		adoptInstanceLocale('en');
		expect(i18n.locale).toBe('en');
		setLocale('fr');
		adoptInstanceLocale('en');
		expect(i18n.locale).toBe('fr');
		adoptInstanceLocale('de');
		expect(i18n.locale).toBe('fr');
	});
});

describe('tn', () => {
	it('picks the singular or plural form each language uses', () => {
		setLocale('fr');
		expect(tn('users.count', 0)).toBe('0 personne');
		expect(tn('users.count', 1)).toBe('1 personne');
		expect(tn('users.count', 2)).toBe('2 personnes');
		setLocale('en');
		expect(tn('users.count', 0)).toBe('0 people');
		expect(tn('users.count', 1)).toBe('1 person');
		setLocale('fr');
	});

	it('every counted message has both forms with {count}', () => {
		for (const key of Object.keys(fr).filter((name) => name.endsWith('.one'))) {
			const other = key.replace(/\.one$/, '.other') as keyof typeof fr;
			expect(fr[other], other).toBeDefined();
			expect(fr[key as keyof typeof fr]).toContain('{count}');
			expect(fr[other]).toContain('{count}');
		}
	});
});

describe('t() in components', () => {
	it('re-renders the page when the language changes', () => {
		setLocale('fr');
		const target = document.createElement('div');
		const page = mount(NotFound, { target });
		flushSync();
		expect(target.querySelector('h1')?.textContent).toBe('Page introuvable');
		setLocale('en');
		flushSync();
		expect(target.querySelector('h1')?.textContent).toBe('Page not found');
		unmount(page);
	});
});

describe('tCode', () => {
	it('words a code the catalogue knows, and says so for one it does not, never showing the code', async () => {
		const { tCode, setLocale } = await import('../../src/lib/i18n/locale.svelte');
		setLocale('fr');
		expect(tCode('role', 'editor')).toBe('Gestionnaire de dossiers');
		expect(tCode('helper.kind', 'trainee')).toBe('Stagiaire');
		for (const unknown of ['emperor', '', null, undefined]) {
			const word = tCode('role', unknown);
			expect(word).toBe('(valeur inconnue)');
			expect(word).not.toContain('role');
		}
		setLocale('de');
		expect(tCode('outbox.status', 'printed')).toBe('Ins Protokoll geschrieben');
		expect(tCode('outbox.status', 'lost')).toBe('(unbekannter Wert)');
		setLocale('fr');
	});
});

// Every catalogue key the SPA's code names is in every language, not empty: the walk reads
// each source file for the keys it passes to t(), tn() and tIn() and for the keys it keeps
// in tables (any quoted 'family.key' whose family is a catalogue's), so that a language
// that lacks one fails here rather than showing French to a German reader. Keys built from
// a server code (`error.${code}`) are held to the store's codes by server/catalogue_test.go.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { catalogues, locales } from '../../src/lib/i18n/locale.svelte';

const sourceDir = join(__dirname, '../../src');

function sources(dir: string): string[] {
	return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
		const path = join(dir, entry.name);
		if (entry.isDirectory()) return entry.name === 'locales' ? [] : sources(path);
		return /\.(ts|svelte)$/.test(entry.name) ? [path] : [];
	});
}

const families = new Set(Object.keys(catalogues.fr).map((key) => key.slice(0, key.indexOf('.'))));
const counted = new Set(Object.keys(catalogues.fr).filter((key) => key.endsWith('.one')).map((key) => key.slice(0, -4)));

/** The keys a source names: the literal first argument of t/tn, the second of tIn, and table entries. */
function keysIn(text: string): string[] {
	const out = new Set<string>();
	for (const m of text.matchAll(/\b(?:t|tn)\(\s*'([\w.-]+)'/g)) out.add(m[1]);
	for (const m of text.matchAll(/\btIn\(\s*[\w.]+\s*,\s*'([\w.-]+)'/g)) out.add(m[1]);
	// A quoted string of a catalogue's family in a table is a key when French has it (the
	// audit actions' codes look like keys and are not).
	for (const m of text.matchAll(/'([a-zA-Z]+\.[\w.-]+)'/g)) {
		if (families.has(m[1].slice(0, m[1].indexOf('.'))) && (Object.hasOwn(catalogues.fr, m[1]) || counted.has(m[1]))) out.add(m[1]);
	}
	return [...out].flatMap((key) => (counted.has(key) ? [`${key}.one`, `${key}.other`] : [key]));
}

describe('the catalogue walk', () => {
	const files = sources(sourceDir);
	const used = new Map<string, string>();
	for (const file of files) for (const key of keysIn(readFileSync(file, 'utf8'))) used.set(key, file);

	it('finds the keys the code uses', () => {
		expect(files.length).toBeGreaterThan(30);
		expect(used.size).toBeGreaterThan(300);
		expect(used.has('nav.home')).toBe(true);
		expect(used.has('users.count.other')).toBe(true);
	});

	it('speaks at least French, English and German', () => {
		expect(locales).toEqual(expect.arrayContaining(['fr', 'en', 'de']));
	});

	for (const locale of locales) {
		it(`${locale} has every key the code uses`, () => {
			const missing = [...used].filter(([key]) => !(catalogues[locale] as Record<string, string>)[key]?.trim());
			expect(missing.map(([key, file]) => `${key} (${file.slice(sourceDir.length + 1)})`)).toEqual([]);
		});
	}
});

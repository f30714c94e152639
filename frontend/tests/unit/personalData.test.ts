import { describe, expect, it } from 'vitest';
import { flaggedIn, personalWarning } from '../../src/lib/flagged.svelte';
import { i18n } from '../../src/lib/i18n/locale.svelte';
import { findPersonalData, kindsOf } from '../../src/lib/personalData';
// The samples the server's detector runs too (store/personaldata_test.go): both must agree.
import corpus from '../../../store/testdata/personal_data.json';

describe('the personal-data detector', () => {
	it('reads the shared samples as the server does', () => {
		expect(corpus.samples.length).toBeGreaterThanOrEqual(20);
		for (const sample of corpus.samples) {
			expect(kindsOf(findPersonalData(sample.text)), sample.text).toEqual(sample.kinds);
		}
	});

	it('says where each piece sits, in the order of the text', () => {
		const text = 'IBAN FR76 3000 6000 0112 3456 7890 189, puis a@b.fr';
		const found = findPersonalData(text);
		expect(found.map((m) => [m.kind, text.slice(m.start, m.end)])).toEqual([
			['iban', 'FR76 3000 6000 0112 3456 7890 189'],
			['email', 'a@b.fr']
		]);
	});

	it('finds a phone number written with no-break spaces', () => {
		expect(kindsOf(findPersonalData('06\u00A012\u00A034\u00A056\u00A078'))).toEqual(['phone']);
	});
});

describe('what the SPA makes of it', () => {
	it('names every kind a field holds, in the page’s language', () => {
		i18n.locale = 'fr';
		expect(personalWarning('Écrire à a@b.fr, IBAN FR76 3000 6000 0112 3456 7890 189')).toBe(
			'Ce texte semble contenir une adresse e-mail et un IBAN : retirez toute donnée nominative.'
		);
		i18n.locale = 'de';
		expect(personalWarning('+49 30 12345678')).toBe('Dieser Text scheint eine Telefonnummer zu enthalten: Entfernen Sie alle Personendaten.');
		i18n.locale = 'fr';
		expect(personalWarning('Recours contre la décision du 12/03/2026')).toBeUndefined();
	});

	it('lists each passage with its field and a few words around it', () => {
		const text = 'Demande écrite restée sans réponse ; rappeler Mme X au 06 12 34 56 78 avant la fin du mois prochain.';
		const [found, ...rest] = flaggedIn([{ target: 'facts-summary', field: 'Résumé', text }]);
		expect(rest).toEqual([]);
		expect(found).toMatchObject({ kind: 'phone', field: 'Résumé', target: 'facts-summary', match: '06 12 34 56 78' });
		expect(found.before).toBe('…; rappeler Mme X au ');
		expect(found.after).toBe(' avant la fin du mois…');
	});
});

import { describe, expect, it } from 'vitest';
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

import { describe, expect, it } from 'vitest';
import type { MemberFunction, Membership } from '../../src/lib/apiTypes';
import { documentAudience, documentAudienceReasons, messageAudience } from '../../src/lib/audience';
import { describeDetails } from '../../src/lib/changeRequests';
import { reasonsUnder } from '../../src/lib/forms';
import { functionLabelIn } from '../../src/lib/functions.svelte';
import { setLocale, t } from '../../src/lib/i18n/locale.svelte';

const member = (id: string, name: string, scope: string): Membership => ({
	id,
	account_id: 'a',
	name,
	scope_type: 'unit',
	scope_id: 'u1',
	scope_name: scope,
	org_id: 'o1',
	role: 'member',
	functions: [],
	valid_from: '2026-09-01T00:00:00Z',
	valid_until: null,
	status: 'active',
	created_at: '2026-09-01T00:00:00Z',
	updated_at: '2026-09-01T00:00:00Z'
});

const record = {
	name: 'Fédération du Nord',
	units: [{ id: 'u1', name: 'École A', code: 'EA', organisation: { id: 'o1', name: 'Fédération du Nord' } }],
	members: [member('m1', 'Grace Hopper', 'École A')]
};
const ctx = (withRecord = true) => ({ record: withRecord ? record : null, locale: 'fr', t, functions: (codes: readonly string[]) => codes.join(' + ') });
const words = (lines: { label: string; value: string }[]) => lines.map((l) => `${t(l.label as never)}: ${l.value}`);

describe('a change request in words', () => {
	it('names the unit, the person and the mandate of an addition, not ids', () => {
		setLocale('fr');
		const lines = describeDetails('add_member', { unit_id: 'u1', email: 'ada@example.org', role: 'member', functions: ['tresorier'], valid_until: '2027-06-30' }, ctx());
		expect(words(lines)).toEqual([
			'Où: École A',
			'Adresse e-mail: ada@example.org',
			'Rôle: Membre',
			'Fonctions: tresorier',
			'Fin du mandat: 30 juin 2027'
		]);
	});

	it('adds to the organisation itself when no unit is named', () => {
		expect(describeDetails('add_member', { email: 'ada@example.org', role: 'admin' }, ctx())[0].value).toBe('Fédération du Nord');
	});

	it('names the membership an end or a change is about, and says so when it is gone', () => {
		expect(describeDetails('end_member', { membership_id: 'm1' }, ctx())[0].value).toBe('Grace Hopper (École A)');
		expect(describeDetails('end_member', { membership_id: 'zz' }, ctx())[0].value).toBe(t('changeRequests.memberGone'));
		expect(describeDetails('end_member', { membership_id: 'm1' }, ctx(false))[0].value).toBe(t('changeRequests.memberGone'));
		const change = words(describeDetails('update_member', { membership_id: 'm1', functions: [], valid_until: '' }, ctx()));
		expect(change).toEqual(['Mandat concerné: Grace Hopper (École A)', 'Fonctions: Aucune', 'Fin du mandat: Sans fin']);
	});

	it('lists only the record fields asked, an emptied one as such', () => {
		expect(words(describeDetails('update_record', { record: { address: '' , contact_email: 'c@example.org' } }, ctx()))).toEqual([
			'Adresse: —',
			'Adresse e-mail de contact: c@example.org'
		]);
	});
});

describe('audiences', () => {
	it('leave out the lists left empty, which do not narrow', () => {
		expect(messageAudience({ orgIds: [], unitIds: ['u1'], roles: ['member'], functions: [] })).toEqual({ unit_ids: ['u1'], roles: ['member'] });
		expect(messageAudience({ orgIds: [], unitIds: [], roles: [], functions: [] })).toEqual({});
	});

	it('of a document name no unit', () => {
		expect(documentAudience({ orgIds: ['o1'], unitIds: ['u1'], roles: [], functions: ['president'] })).toEqual({ org_ids: ['o1'], functions: ['president'] });
	});

	it('refused are shown on the picker concerned', () => {
		expect(documentAudienceReasons('unknown_function')).toEqual({ functions: 'unknown_function' });
		expect(documentAudienceReasons('unknown_org')).toEqual({ org_ids: 'unknown_org' });
		expect(documentAudienceReasons(undefined)).toEqual({});
	});
});

describe('nested field reasons', () => {
	it('are named without their prefix, others left out', () => {
		expect(reasonsUnder({ 'details.email': 'email', 'details.record.name': 'required', message: 'max=2000' }, 'details')).toEqual({
			email: 'email',
			'record.name': 'required'
		});
	});
});

describe('function labels', () => {
	const catalogue: MemberFunction[] = [
		{ code: 'tresorier', label_fr: 'Trésorier·ère', label_en: 'Treasurer', label_de: 'Kassier·in', position: 10, active: true },
		{ code: 'referent', label_fr: 'Référent·e', label_en: 'Referent', label_de: '', position: 20, active: true },
		{ code: 'archiviste', label_fr: 'Archiviste', label_en: '', label_de: '', position: 30, active: true }
	];
	it('read in the language asked, else French, else the code', () => {
		expect(functionLabelIn(catalogue, 'tresorier', 'en')).toBe('Treasurer');
		expect(functionLabelIn(catalogue, 'tresorier', 'fr')).toBe('Trésorier·ère');
		expect(functionLabelIn(catalogue, 'tresorier', 'de', 'fr')).toBe('Kassier·in');
		expect(functionLabelIn(catalogue, 'archiviste', 'en')).toBe('Archiviste');
		expect(functionLabelIn(catalogue, 'inconnu', 'fr')).toBe('inconnu');
	});
	it('read in English for a German reader when the entry has no German label, else in French', () => {
		expect(functionLabelIn(catalogue, 'referent', 'de', 'fr')).toBe('Referent');
		expect(functionLabelIn(catalogue, 'archiviste', 'de', 'fr')).toBe('Archiviste');
	});
});

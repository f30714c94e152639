import { describe, expect, it } from 'vitest';
import type { Membership, Unit } from '../../src/lib/apiTypes';
import { setLocale } from '../../src/lib/i18n/locale.svelte';
import {
	acceptedPath,
	editorUnits,
	keepsOrg,
	keptScopes,
	mandateDay,
	mayCreateOrgs,
	membershipChange,
	membershipForm,
	membershipRoles,
	sameFunctions,
	scopeFieldError,
	seesSeveralUnits,
	unitChange,
	unitForm
} from '../../src/lib/scopes';

const membership: Membership = {
	id: 'm1',
	account_id: 'a1',
	email: 'ada@example.org',
	name: 'Ada',
	scope_type: 'unit',
	scope_id: 'u1',
	scope_name: 'École A',
	org_id: 'o1',
	role: 'editor',
	functions: ['referent'],
	valid_from: '2026-09-01T00:00:00Z',
	valid_until: null,
	status: 'active',
	created_at: '2026-09-01T00:00:00Z',
	updated_at: '2026-09-01T00:00:00Z'
};

const unit = (id: string, admin: boolean, editor: boolean) => ({ id, name: id, code: id.toUpperCase(), org_id: 'o1', admin, editor });

describe('functions', () => {
	it('compare as sets: the order ticked and repeats do not matter, none equals null', () => {
		expect(sameFunctions(['president', 'tresorier'], ['tresorier', 'president', 'president'])).toBe(true);
		expect(sameFunctions([], null)).toBe(true);
		expect(sameFunctions(['president'], ['tresorier'])).toBe(false);
		expect(sameFunctions(['president'], ['president', 'tresorier'])).toBe(false);
	});
});

describe('mandate days', () => {
	it('are the UTC day of the time, as the server reads a day back', () => {
		expect(mandateDay('2026-09-01T00:00:00Z')).toBe('2026-09-01');
		expect(mandateDay('2026-08-31T23:30:00-02:00')).toBe('2026-09-01');
		expect(mandateDay(null)).toBe('');
		expect(mandateDay('not a time')).toBe('');
	});
});

describe('membership change', () => {
	it('sends nothing when nothing changed, a day left alone included', () => {
		expect(membershipChange(membership, membershipForm(membership))).toEqual({});
	});

	it('sends only what changed; an emptied end removes it', () => {
		const ending = { ...membership, valid_until: '2027-06-30T00:00:00Z' };
		const form = { ...membershipForm(ending), role: 'admin' as const, functions: ['referent', 'president'], validUntil: '' };
		expect(membershipChange(ending, form)).toEqual({ role: 'admin', functions: ['referent', 'president'], valid_until: '' });
	});

	it('takes the same functions ticked in another order as unchanged, and a new start day', () => {
		const twice = { ...membership, functions: ['referent', 'president'] };
		const form = { ...membershipForm(twice), functions: ['president', 'referent'], validFrom: '2026-10-01' };
		expect(membershipChange(twice, form)).toEqual({ valid_from: '2026-10-01' });
	});

	it('offers editors in units only', () => {
		expect(membershipRoles('org')).toEqual(['admin', 'member']);
		expect(membershipRoles('unit')).toEqual(['admin', 'editor', 'member']);
	});
});

describe('unit settings change', () => {
	const kept: Unit = {
		id: 'u1',
		name: 'École A',
		code: 'EA',
		organisation: { id: 'o1', name: 'O' },
		contact_email: 'a@example.org',
		address: '',
		modules: { helpers: true, attachments: true, reminders: false }
	};

	it('sends only the fields and the modules switched', () => {
		expect(unitChange(kept, unitForm(kept))).toEqual({});
		const form = unitForm(kept);
		form.modules.attachments = false;
		form.address = ' 1 rue de la Paix ';
		expect(unitChange(kept, form)).toEqual({ address: '1 rue de la Paix', modules: { attachments: false } });
	});
});

describe('who sees what', () => {
	it('names units only for whoever sees several', () => {
		expect(seesSeveralUnits(null, 5)).toBe(false);
		expect(seesSeveralUnits({ role: 'admin' }, 1)).toBe(false);
		expect(seesSeveralUnits({ role: 'admin' }, 2)).toBe(true);
		expect(seesSeveralUnits({ role: 'editor', units: [unit('a', false, true)] }, 9)).toBe(false);
		expect(seesSeveralUnits({ role: 'editor', units: [unit('a', false, true), unit('b', true, false)] }, 0)).toBe(true);
	});

	it('offers the unit picker from the units one edits for', () => {
		expect(editorUnits({ role: 'editor', units: [unit('a', false, true), unit('b', true, false), unit('c', false, true)] }).map((u) => u.id)).toEqual([
			'a',
			'c'
		]);
		expect(editorUnits(null)).toEqual([]);
	});

	it('lets the secretariat and superadmins register organisations', () => {
		expect(mayCreateOrgs({ role: 'secretariat' })).toBe(true);
		expect(mayCreateOrgs({ role: 'superadmin' })).toBe(true);
		expect(mayCreateOrgs({ role: 'admin' })).toBe(false);
	});

	it('keeps an organisation: the secretariat always, its admins and instance admins unless centrally managed', () => {
		const org = { id: 'o1', centrally_managed: false };
		const central = { id: 'o1', centrally_managed: true };
		const orgAdmin = { role: 'reader' as const, orgs: [{ id: 'o1', name: 'O', code: 'O', admin: true }] };
		expect(keepsOrg(orgAdmin, org)).toBe(true);
		expect(keepsOrg(orgAdmin, central)).toBe(false);
		expect(keepsOrg({ role: 'reader', orgs: [{ id: 'o2', name: 'P', code: 'P', admin: true }] }, org)).toBe(false);
		expect(keepsOrg({ role: 'admin' }, org)).toBe(true);
		expect(keepsOrg({ role: 'secretariat' }, central)).toBe(true);
	});

	it('lists the scopes one administers, a unit of an administered organisation with it', () => {
		const orgs = [
			{ id: 'o1', name: 'O1', code: 'O1', admin: true },
			{ id: 'o2', name: 'O2', code: 'O2', admin: false }
		];
		const units = [
			{ ...unit('a', true, false), org_id: 'o1' },
			{ ...unit('b', true, false), org_id: 'o2' },
			{ ...unit('c', false, true), org_id: 'o2' }
		];
		expect(keptScopes({ orgs, units }).map((scope) => scope.href)).toEqual(['/orgs/o1', '/units/b']);
		expect(keptScopes(null)).toEqual([]);
	});

	it('leads an accepted invitation to the case file, the scope one administers, or home', () => {
		expect(acceptedPath({ kind: 'collaboration', case_id: 'c 1' })).toBe('/cases/c%201');
		expect(acceptedPath({ kind: 'membership', membership: { ...membership, role: 'admin', scope_type: 'org', scope_id: 'o1' } })).toBe(
			'/orgs/o1'
		);
		expect(acceptedPath({ kind: 'membership', membership })).toBe('/');
	});
});

describe('field reasons of a scope form', () => {
	it('say that a code is taken, not an e-mail address', () => {
		setLocale('en');
		expect(scopeFieldError({ code: 'taken' }, 'code')).toBe('This code is already taken.');
		expect(scopeFieldError({ contact_email: 'email' }, 'contact_email')).toBe('This e-mail address is not valid.');
		expect(scopeFieldError({}, 'code')).toBeUndefined();
	});
});

import { describe, expect, it } from 'vitest';
import type { Role } from '../../src/lib/apiTypes';
import {
	accessFor,
	adminNav,
	grantableRoles,
	isCurrent,
	mainNav,
	mayManage,
	requestableRoles,
	roleAtLeast
} from '../../src/lib/roles';

const as = (role: Role) => ({ role });
const hrefs = (items: { href: string }[]) => items.map((item) => item.href);

describe('roleAtLeast', () => {
	it('orders reader < editor < admin < superadmin', () => {
		expect(roleAtLeast('reader', 'reader')).toBe(true);
		expect(roleAtLeast('reader', 'editor')).toBe(false);
		expect(roleAtLeast('admin', 'editor')).toBe(true);
		expect(roleAtLeast('admin', 'superadmin')).toBe(false);
		expect(roleAtLeast('superadmin', 'admin')).toBe(true);
	});

	it('gives nothing to an unknown or missing role', () => {
		expect(roleAtLeast('root', 'reader')).toBe(false);
		expect(roleAtLeast(undefined, 'reader')).toBe(false);
		expect(roleAtLeast(null, 'reader')).toBe(false);
	});
});

describe('who grants what', () => {
	it('an admin hands out reader and editor only; a superadmin every role', () => {
		expect(grantableRoles('admin')).toEqual(['reader', 'editor']);
		expect(grantableRoles('superadmin')).toEqual(['reader', 'editor', 'admin', 'superadmin', 'secretariat']);
		expect(mayManage('admin', 'secretariat')).toBe(false);
		expect(mayManage('superadmin', 'secretariat')).toBe(true);
		expect(grantableRoles('editor')).toEqual([]);
	});

	it('an admin does not touch an admin account; a superadmin does', () => {
		expect(mayManage('admin', 'editor')).toBe(true);
		expect(mayManage('admin', 'admin')).toBe(false);
		expect(mayManage('admin', 'superadmin')).toBe(false);
		expect(mayManage('superadmin', 'superadmin')).toBe(true);
	});

	it('a person asks only for a role above their own', () => {
		expect(requestableRoles('reader')).toEqual(['editor', 'admin']);
		expect(requestableRoles('editor')).toEqual(['admin']);
		expect(requestableRoles('admin')).toEqual([]);
		expect(requestableRoles('superadmin')).toEqual([]);
	});
});

describe('accessFor', () => {
	const nobody = { token: null, user: null };
	const loading = { token: 't', user: null };
	const reader = { token: 't', user: as('reader') };
	const admin = { token: 't', user: as('admin') };
	const superadmin = { token: 't', user: as('superadmin') };

	it('shows public pages to everyone', () => {
		expect(accessFor('public', nobody)).toBe('allow');
		expect(accessFor('public', loading)).toBe('allow');
	});

	it('sends anyone not logged in to log in', () => {
		expect(accessFor('user', nobody)).toBe('login');
		expect(accessFor('admin', nobody)).toBe('login');
	});

	it('waits for the account before judging its role', () => {
		expect(accessFor('user', loading)).toBe('wait');
		expect(accessFor('superadmin', loading)).toBe('wait');
	});

	it('refuses a page above the role', () => {
		expect(accessFor('user', reader)).toBe('allow');
		expect(accessFor('admin', reader)).toBe('forbidden');
		expect(accessFor('admin', admin)).toBe('allow');
		expect(accessFor('superadmin', admin)).toBe('forbidden');
		expect(accessFor('superadmin', superadmin)).toBe('allow');
	});

	it('opens the creation of case files to editors and to those who may practise', () => {
		expect(accessFor('caseCreator', reader)).toBe('forbidden');
		expect(accessFor('caseCreator', { token: 't', user: { role: 'reader', may_practise: true } })).toBe('allow');
		expect(accessFor('caseCreator', { token: 't', user: { role: 'editor' } })).toBe('allow');
		expect(accessFor('caseCreator', { token: 't', user: { role: 'reader', may_practise: false } })).toBe('forbidden');
	});
});

describe('navigation by role', () => {
	it('offers the case files and the account page only to a logged-in person', () => {
		expect(hrefs(mainNav(null))).toEqual(['/']);
		expect(hrefs(mainNav(as('reader')))).toEqual(['/', '/cases', '/me']);
	});

	it('adds transfers for unit editors and admins, inspection for unit admins, inspectors for the secretariat (who has no case files link)', () => {
		const unit = { id: 'u', name: 'U', code: 'U-1', org_id: 'o' };
		const editorOf = { role: 'reader' as const, units: [{ ...unit, admin: false, editor: true }] };
		const adminOf = { role: 'reader' as const, units: [{ ...unit, admin: true, editor: false }] };
		expect(hrefs(mainNav(editorOf))).toEqual(['/', '/cases', '/transfers', '/documents', '/me']);
		expect(hrefs(mainNav(adminOf))).toEqual(['/', '/cases', '/transfers', '/inspection', '/documents', '/me']);
		expect(hrefs(mainNav(as('admin')))).toEqual(['/', '/cases', '/transfers', '/inspection', '/documents', '/me']);
		expect(hrefs(mainNav(as('superadmin')))).toEqual(['/', '/cases', '/transfers', '/inspection', '/inspectors', '/documents', '/me']);
		expect(hrefs(mainNav({ role: 'secretariat' as Role }))).toEqual(['/', '/inspectors', '/documents', '/me']);
		// A plain member of an organisation reads its documents, and has no case files of a unit.
		const memberOf = { role: 'reader' as const, units: [], orgs: [{ id: 'o', name: 'O', code: 'O', admin: false }] };
		expect(hrefs(mainNav(memberOf))).toEqual(['/', '/cases', '/documents', '/me']);
	});

	it('shows no administration link below admin', () => {
		expect(adminNav(null)).toEqual([]);
		expect(adminNav(as('reader'))).toEqual([]);
		expect(adminNav(as('editor'))).toEqual([]);
	});

	it('shows admins the people, requests (with the badge), categories, audit, organisations and units, not the outbox', () => {
		const items = adminNav(as('admin'));
		expect(hrefs(items)).toEqual(['/admin/users', '/admin/role-requests', '/admin/categories', '/admin/texts', '/admin/audit', '/orgs', '/units']);
		expect(items.find((item) => item.badge)?.href).toBe('/admin/role-requests');
	});

	it('adds the outbox for superadmins', () => {
		expect(hrefs(adminNav(as('superadmin')))).toEqual([
			'/admin/users',
			'/admin/role-requests',
			'/admin/categories',
			'/admin/texts',
			'/admin/audit',
			'/orgs',
			'/units',
			'/change-requests',
			'/admin/functions',
			'/messages',
			'/admin/outbox'
		]);
	});

	it('shows organisations and units to the secretariat and scope admins, role requests and audit to scope admins', () => {
		expect(hrefs(adminNav(as('secretariat')))).toEqual(['/orgs', '/units', '/change-requests', '/admin/functions', '/messages', '/imports']);
		const unit = { id: 'u', name: 'U', code: 'U', org_id: 'o' };
		// A scope admin also decides the role requests naming their units and reads their scope's audit.
		const scoped = ['/admin/role-requests', '/admin/audit', '/orgs', '/units', '/messages'];
		expect(hrefs(adminNav({ role: 'editor', units: [{ ...unit, admin: true, editor: false }], orgs: [] }))).toEqual(scoped);
		expect(hrefs(adminNav({ role: 'reader', units: [], orgs: [{ id: 'o', name: 'O', code: 'O', admin: true }] }))).toEqual(scoped);
		expect(accessFor('scopeAdmin', { token: 't', user: { role: 'reader', units: [{ ...unit, admin: true, editor: false }] } })).toBe('allow');
		expect(accessFor('scopeAdmin', { token: 't', user: { role: 'secretariat' } })).toBe('forbidden');
		// Messages are the secretariat's, superadmins' and scope admins'; the catalogue and the queue the secretariat's and superadmins'.
		expect(accessFor('writer', { token: 't', user: { role: 'secretariat' } })).toBe('allow');
		expect(accessFor('writer', { token: 't', user: { role: 'reader', orgs: [{ id: 'o', name: 'O', code: 'O', admin: true }] } })).toBe('allow');
		expect(accessFor('writer', { token: 't', user: { role: 'reader', orgs: [{ id: 'o', name: 'O', code: 'O', admin: false }] } })).toBe('forbidden');
		expect(accessFor('secretariat', { token: 't', user: { role: 'superadmin' } })).toBe('allow');
		expect(accessFor('secretariat', { token: 't', user: { role: 'admin' } })).toBe('forbidden');
		expect(accessFor('scopeAdmin', { token: 't', user: { role: 'editor', units: [{ ...unit, admin: false, editor: true }] } })).toBe('forbidden');
		expect(accessFor('admin', { token: 't', user: { role: 'reader', units: [{ ...unit, admin: true, editor: false }] } })).toBe('forbidden');
		// An editor or a plain member of a unit or an organisation keeps nothing.
		expect(adminNav({ role: 'editor', units: [{ ...unit, admin: false, editor: true }], orgs: [{ id: 'o', name: 'O', code: 'O', admin: false }] })).toEqual([]);
	});

	it('marks a link current on its page and the pages below it', () => {
		expect(isCurrent('/', '/')).toBe(true);
		expect(isCurrent('/', '/me')).toBe(false);
		expect(isCurrent('/admin/users', '/admin/users/42')).toBe(true);
		expect(isCurrent('/admin/users', '/admin/users-old')).toBe(false);
	});
});

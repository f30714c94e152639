// Who sees what in the SPA. The server decides every right; these only keep the
// interface from offering what the server would refuse, so they mirror its rules.
import type { Me, RequestableRole, Role, User } from './apiTypes';
import type { MessageKey } from './i18n/locale.svelte';

/** Platform roles, lowest first. */
export const roles: readonly Role[] = ['reader', 'editor', 'admin', 'superadmin'];

/** Every instance role: the ranks, and the secretariat beside them (it reaches no case file). */
export const instanceRoles: readonly Role[] = [...roles, 'secretariat'];

/** Account statuses, in the order of an account's life. */
export const statuses = ['invited', 'pending', 'active', 'locked', 'blocked', 'deregistered'] as const;

/** Whether an account's status keeps its owner out (worth a warning beside it). */
export function statusNeedsAttention(status: string): boolean {
	return status === 'locked' || status === 'blocked' || status === 'deregistered';
}

const rank = (role: string) => roles.indexOf(role as Role);

/** Whether role has at least the rights of min; an unknown role has none. */
export function roleAtLeast(role: string | null | undefined, min: Role): boolean {
	return role != null && rank(role) >= rank(min) && rank(role) >= 0;
}

/** The roles an account may hand out or take away: admin, superadmin and secretariat are a superadmin's to grant. */
export function grantableRoles(actorRole: Role): Role[] {
	if (actorRole === 'superadmin') return [...instanceRoles];
	if (actorRole === 'admin') return ['reader', 'editor'];
	return [];
}

/** Whether the actor may change an account that has role target (an admin does not touch admins). */
export function mayManage(actorRole: Role, target: Role): boolean {
	return grantableRoles(actorRole).includes(target);
}

/** The roles a person may ask for: the requestable ones above their own. */
export function requestableRoles(role: Role): RequestableRole[] {
	return (['editor', 'admin'] as const).filter((wanted) => rank(wanted) > rank(role));
}

/**
 * What a page asks of the person viewing it; `scopeAdmin`: an instance admin, or the admin of
 * an organisation or a unit (who decide the role requests and read the audit of their scope);
 * `writer`: who writes to members (writesMessages); `secretariat`: the secretariat or a
 * superadmin (who keep the catalogue of functions and decide the change requests).
 */
export type Access = 'public' | 'user' | 'editor' | 'caseCreator' | 'scopeAdmin' | 'writer' | 'secretariat' | 'admin' | 'superadmin';

/** Whether the account creates case files: an editor, or someone who may create practice ones. */
export function createsCases(user: Pick<User, 'role' | 'may_practise'> | null | undefined): boolean {
	return roleAtLeast(user?.role, 'editor') || user?.may_practise === true;
}

/** Whether the account administers an organisation or a unit (a live admin membership). */
export function administersScope(user: Pick<User, 'units' | 'orgs'> | null | undefined): boolean {
	return (user?.orgs ?? []).some((org) => org.admin) || (user?.units ?? []).some((unit) => unit.admin);
}

/** Whether the account administers anything: the instance, or an organisation or a unit. */
export function isScopeAdmin(user: Pick<User, 'role' | 'units' | 'orgs'> | null | undefined): boolean {
	return roleAtLeast(user?.role, 'admin') || administersScope(user);
}

/**
 * Whether to show a page: `allow`; `login` (nobody is logged in); `wait` (logged in but the
 * account is still loading, so its role is unknown); `forbidden` (the role is too low).
 */
export function accessFor(
	access: Access,
	session: { token: string | null; user: Pick<User, 'role' | 'units' | 'orgs' | 'may_practise'> | null }
): 'allow' | 'login' | 'wait' | 'forbidden' {
	if (access === 'public') return 'allow';
	if (!session.token) return 'login';
	if (!session.user) return 'wait';
	if (access === 'user') return 'allow';
	if (access === 'scopeAdmin') return isScopeAdmin(session.user) ? 'allow' : 'forbidden';
	if (access === 'writer') return writesMessages(session.user) ? 'allow' : 'forbidden';
	if (access === 'secretariat') return namesInspectors(session.user) ? 'allow' : 'forbidden';
	if (access === 'caseCreator') return createsCases(session.user) ? 'allow' : 'forbidden';
	return roleAtLeast(session.user.role, access) ? 'allow' : 'forbidden';
}

/** A link of the navigation. */
export interface NavItem {
	href: string;
	label: MessageKey;
	/** Shows beside it the count of pending role requests, or of change requests. */
	badge?: 'pendingRequests' | 'pendingChanges';
}

/** An account and the units (and organisations) its memberships reach, as GET /api/me gives them. */
export type ScopedUser = Pick<Me, 'role' | 'units'> & Partial<Pick<Me, 'orgs'>>;

/** Whether the person administers at least one unit: an instance admin administers them all. */
export function administersUnits(user: ScopedUser | null): boolean {
	if (!user) return false;
	return roleAtLeast(user.role, 'admin') || (user.units ?? []).some((unit) => unit.admin);
}

/** Whether transfers concern the person: those who administer a unit or create case files in one. */
export function handlesTransfers(user: ScopedUser | null): boolean {
	if (!user) return false;
	return administersUnits(user) || roleAtLeast(user.role, 'editor') || (user.units ?? []).some((unit) => unit.editor);
}

/** Whether the person names the categories' referent inspectors: the secretariat and superadmins. */
export function namesInspectors(user: Pick<User, 'role'> | null): boolean {
	// The secretariat is a role of its own, outside the ranks (it reaches no case file).
	return user != null && (user.role === 'superadmin' || (user.role as string) === 'secretariat');
}

/**
 * Whether documents concern the person: those a live membership may match, and those who
 * publish them (the secretariat, instance admins, superadmins).
 */
export function readsDocuments(user: ScopedUser | null): boolean {
	if (!user) return false;
	return user.role === 'secretariat' || roleAtLeast(user.role, 'admin') || (user.units ?? []).length > 0 || (user.orgs ?? []).length > 0;
}

/** Whether the person writes to members: the secretariat, superadmins, and the admins of an organisation or a unit. */
export function writesMessages(user: Pick<User, 'role' | 'units' | 'orgs'> | null | undefined): boolean {
	return user?.role === 'secretariat' || user?.role === 'superadmin' || administersScope(user);
}

/** Whether the person publishes documents: the secretariat, instance admins, superadmins and organisations' admins. */
export function publishesDocuments(user: Pick<User, 'role' | 'orgs'> | null | undefined): boolean {
	return user?.role === 'secretariat' || roleAtLeast(user?.role, 'admin') || (user?.orgs ?? []).some((org) => org.admin);
}

/** The main navigation for a person (null: nobody logged in). */
export function mainNav(user: ScopedUser | null): NavItem[] {
	const items: NavItem[] = [{ href: '/', label: 'nav.home' }];
	if (!user) return items;
	// The secretariat keeps organisations and members, and reaches no case file.
	if (user.role !== 'secretariat') items.push({ href: '/cases', label: 'nav.cases' });
	if (handlesTransfers(user)) items.push({ href: '/transfers', label: 'transfers.nav' });
	if (administersUnits(user)) items.push({ href: '/inspection', label: 'inspection.nav' });
	if (namesInspectors(user)) items.push({ href: '/inspectors', label: 'inspection.inspectorsNav' });
	if (readsDocuments(user)) items.push({ href: '/documents', label: 'documents.nav' });
	items.push({ href: '/me', label: 'nav.me' });
	return items;
}

/**
 * Whether the account keeps organisations or units (the secretariat, instance admins, and the
 * admins of an organisation or a unit): the ones the organisation and unit pages are for.
 */
export function keepsScopes(user: Pick<User, 'role' | 'units' | 'orgs'> | null | undefined): boolean {
	return user?.role === 'secretariat' || isScopeAdmin(user);
}

/**
 * The administration links: the instance's for admins, the technical ones for superadmins
 * only; role requests and the audit log for the admins of an organisation or a unit too;
 * organisations and units for whoever keeps some (the secretariat, scope admins).
 */
export function adminNav(user: Pick<User, 'role' | 'units' | 'orgs'> | null): NavItem[] {
	if (!user) return [];
	const items: NavItem[] = [];
	const instanceAdmin = roleAtLeast(user.role, 'admin');
	if (instanceAdmin) items.push({ href: '/admin/users', label: 'nav.users' });
	if (isScopeAdmin(user)) items.push({ href: '/admin/role-requests', label: 'nav.roleRequests', badge: 'pendingRequests' });
	if (instanceAdmin) items.push({ href: '/admin/categories', label: 'nav.categories' }, { href: '/admin/texts', label: 'nav.texts' });
	if (isScopeAdmin(user)) items.push({ href: '/admin/audit', label: 'nav.audit' });
	if (keepsScopes(user)) items.push({ href: '/orgs', label: 'nav.orgs' }, { href: '/units', label: 'nav.units' });
	if (namesInspectors(user)) items.push({ href: '/change-requests', label: 'changeRequests.nav', badge: 'pendingChanges' }, { href: '/admin/functions', label: 'functions.nav' });
	if (writesMessages(user)) items.push({ href: '/messages', label: 'messages.nav' });
	// Members' imports: the secretariat's, from here; scope admins reach them from their scope's page.
	if (user.role === 'secretariat') items.push({ href: '/imports', label: 'nav.imports' });
	if (roleAtLeast(user.role, 'superadmin')) items.push({ href: '/admin/outbox', label: 'nav.outbox' });
	return items;
}

/** Whether the link href is the current page, or a section the current page belongs to. */
export function isCurrent(href: string, path: string): boolean {
	if (href === '/') return path === '/';
	return path === href || path.startsWith(`${href}/`);
}

// Organisations, units and memberships as the SPA shows them. The server decides every right;
// these only keep the interface from offering what it would refuse, and from showing units at
// all to someone who only ever sees one.
import type { AcceptedInvitation, Membership, MembershipChange, MembershipRole, MembershipStatus, Modules, Unit, UnitChange, User } from './apiTypes';
import { fieldError } from './errors';
import type { MessageKey } from './i18n/locale.svelte';
import { t } from './i18n/locale.svelte';
import { roleAtLeast } from './roles';

/** The statuses of a membership, in the order of its life. */
export const membershipStatuses: readonly MembershipStatus[] = ['invited', 'upcoming', 'active', 'ended'];

/** The members list's filters: `current` is every status but ended ('' is every status). */
export const memberFilters = ['current', ...membershipStatuses] as const;

/** The roles a membership of an organisation or a unit may have: editors belong to units only. */
export function membershipRoles(scope: 'org' | 'unit'): MembershipRole[] {
	return scope === 'org' ? ['admin', 'member'] : ['admin', 'editor', 'member'];
}

/** The label of a membership role. */
export const membershipRoleLabel = (role: string): MessageKey => `members.role.${role as MembershipRole}`;

/** The label of a membership status. */
export const membershipStatusLabel = (status: string): MessageKey => `members.status.${status as MembershipStatus}`;

/** Functions as a comparable list: each once, in a fixed order (the order ticked does not matter). */
export function sameFunctions(a: readonly string[] | null | undefined, b: readonly string[] | null | undefined): boolean {
	const norm = (list: readonly string[] | null | undefined) => [...new Set(list ?? [])].sort().join(',');
	return norm(a) === norm(b);
}

/**
 * The day (`YYYY-MM-DD`, UTC: the server reads a day from its first instant in UTC) of a
 * mandate's time, for a date field; '' for none.
 */
export function mandateDay(iso: string | null | undefined): string {
	if (!iso) return '';
	const date = new Date(iso);
	return Number.isNaN(date.getTime()) ? '' : date.toISOString().slice(0, 10);
}

/** What the change form of a membership holds. */
export interface MembershipForm {
	role: MembershipRole;
	/** The codes of the catalogue's functions held. */
	functions: string[];
	validFrom: string;
	validUntil: string;
}

/** The form of a membership, filled from it. */
export function membershipForm(m: Membership): MembershipForm {
	return { role: m.role, functions: [...(m.functions ?? [])], validFrom: mandateDay(m.valid_from), validUntil: mandateDay(m.valid_until) };
}

/**
 * What a change form asks of the server: only what differs from the membership (a day left
 * as it was is not sent again, which would move its time to midnight); `valid_until: ''`
 * removes the end. Empty when nothing changed.
 */
export function membershipChange(m: Membership, form: MembershipForm): Omit<MembershipChange, 'reason'> {
	const before = membershipForm(m);
	const change: Omit<MembershipChange, 'reason'> = {};
	if (form.role !== before.role) change.role = form.role;
	if (!sameFunctions(form.functions, before.functions)) change.functions = [...new Set(form.functions)];
	if (form.validFrom && form.validFrom !== before.validFrom) change.valid_from = form.validFrom;
	if (form.validUntil !== before.validUntil) change.valid_until = form.validUntil;
	return change;
}

type Scoped = Pick<User, 'role' | 'units' | 'orgs'>;

/** Whether the account sees every unit's case files (instance admins and superadmins). */
export const seesEveryUnit = (user: Pick<User, 'role'> | null | undefined): boolean => roleAtLeast(user?.role, 'admin');

/** The units where the account creates case files. */
export function editorUnits(user: Scoped | null | undefined) {
	return (user?.units ?? []).filter((unit) => unit.editor);
}

/**
 * Whether the account sees the case files of several units, so that lists name the unit:
 * an instance admin once the instance has several (unitCount, from the directory), anyone
 * else when their memberships reach several.
 */
export function seesSeveralUnits(user: Scoped | null | undefined, unitCount: number): boolean {
	if (!user) return false;
	return seesEveryUnit(user) ? unitCount > 1 : (user.units ?? []).length > 1;
}

/** Whether the account may register organisations (POST /api/orgs): the secretariat and superadmins. */
export const mayCreateOrgs = (user: Pick<User, 'role'> | null | undefined): boolean =>
	user?.role === 'secretariat' || user?.role === 'superadmin';

/**
 * Whether the account keeps an organisation's record, units and members: the secretariat
 * always; its admins and instance admins unless it is centrally managed.
 */
export function keepsOrg(user: Scoped | null | undefined, org: { id: string; centrally_managed: boolean }): boolean {
	if (!user) return false;
	if (user.role === 'secretariat') return true;
	if (org.centrally_managed) return false;
	return seesEveryUnit(user) || (user.orgs ?? []).some((o) => o.id === org.id && o.admin);
}

/**
 * Why a field of an organisation's or a unit's form was refused, in words: a code already
 * taken is said as such (the generic `taken` speaks of e-mail addresses); undefined when fine.
 */
export function scopeFieldError(reasons: Record<string, string>, field: string): string | undefined {
	if (field === 'code' && reasons.code === 'taken') return t('orgs.codeTaken');
	if (field === 'code' && reasons.code === 'format') return t('orgs.codeFormat');
	return fieldError(reasons, field);
}

/** The record an organisation and a unit share, as their forms hold it. */
export interface RecordForm {
	name: string;
	code: string;
	contact_email: string;
	address: string;
}

/** The record form of an organisation or a unit, filled from it. */
export function recordForm(scope: { name: string; code: string; contact_email?: string; address?: string }): RecordForm {
	return { name: scope.name, code: scope.code, contact_email: scope.contact_email ?? '', address: scope.address ?? '' };
}

/**
 * What a record form asks of the server: only the fields that differ (in a centrally managed
 * organisation the record is the secretariat's, so an unchanged name must not be sent again),
 * trimmed.
 */
export function recordChange(before: RecordForm, form: RecordForm): Partial<RecordForm> {
	const change: Partial<RecordForm> = {};
	for (const field of ['name', 'code', 'contact_email', 'address'] as const) {
		const value = form[field].trim();
		if (value !== before[field].trim()) change[field] = value;
	}
	return change;
}

/** What a unit's settings form holds: its record and its modules. */
export interface UnitForm extends RecordForm {
	modules: Required<Modules>;
	/** The unit takes case files other units transfer to it. */
	accepts_transfers: boolean;
}

/** A unit's module switches, in the order the settings show them. */
export const moduleNames = ['helpers', 'attachments', 'reminders', 'transfers', 'inspectors'] as const;

/** The settings form of a unit, filled from it (as its keepers see it). */
export function unitForm(unit: Unit): UnitForm {
	return {
		...recordForm(unit),
		modules: { helpers: true, attachments: true, reminders: true, transfers: true, inspectors: true, ...unit.modules },
		accepts_transfers: unit.accepts_transfers === true
	};
}

/** What a settings form asks of the server: the record's fields that differ, and the modules switched. Empty when nothing changed. */
export function unitChange(unit: Unit, form: UnitForm): Omit<UnitChange, 'reason'> {
	const before = unitForm(unit);
	const change: Omit<UnitChange, 'reason'> = recordChange(before, form);
	const modules: Partial<Modules> = {};
	for (const name of moduleNames) {
		if (form.modules[name] !== before.modules[name]) modules[name] = form.modules[name];
	}
	if (Object.keys(modules).length > 0) change.modules = modules;
	if (form.accepts_transfers !== before.accepts_transfers) change.accepts_transfers = form.accepts_transfers;
	return change;
}

/**
 * Where an accepted invitation leads: the case file one now helps on, the organisation or unit
 * one now administers; home for any other membership.
 */
export function acceptedPath(accepted: AcceptedInvitation): string {
	if (accepted.case_id) return `/cases/${encodeURIComponent(accepted.case_id)}`;
	const m = accepted.membership;
	if (m && m.role === 'admin') return `/${m.scope_type === 'org' ? 'orgs' : 'units'}/${encodeURIComponent(m.scope_id)}`;
	return '/';
}

/**
 * The organisations and units the account administers, as links: each organisation, and each
 * unit outside those (a unit of an administered organisation goes with it).
 */
export function keptScopes(user: Pick<User, 'units' | 'orgs'> | null | undefined): { href: string; label: MessageKey; name: string }[] {
	const orgs = (user?.orgs ?? []).filter((org) => org.admin);
	const units = (user?.units ?? []).filter((unit) => unit.admin && !orgs.some((org) => org.id === unit.org_id));
	return [
		...orgs.map((org) => ({ href: `/orgs/${encodeURIComponent(org.id)}`, label: 'home.keepOrg' as const, name: org.name })),
		...units.map((unit) => ({ href: `/units/${encodeURIComponent(unit.id)}`, label: 'home.keepUnit' as const, name: unit.name }))
	];
}

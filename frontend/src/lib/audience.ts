// Whom a message or a document may go to, as the pickers offer it: the organisations and units
// the person may address (every one for the secretariat, instance admins and superadmins; those
// they administer for anyone else), the membership roles and the catalogue's functions. The
// server checks the audience again; these only keep the form from offering what it would refuse.
import { api } from './api';
import type { DocumentAudience, MembershipRole, MessageAudience, User } from './apiTypes';
import { roleAtLeast } from './roles';

/** One choice of a picker. */
export interface Choice {
	value: string;
	label: string;
}

/** The membership roles an audience may name. */
export const audienceRoles: readonly MembershipRole[] = ['admin', 'editor', 'member'];

/** Whether the person may address every organisation and unit of the instance. */
export function addressesEverything(user: Pick<User, 'role'> | null | undefined): boolean {
	return user?.role === 'secretariat' || roleAtLeast(user?.role, 'admin');
}

/** The organisations and units the person may address, by name. */
export async function addressableScopes(user: Pick<User, 'role' | 'orgs' | 'units'> | null | undefined): Promise<{ orgs: Choice[]; units: Choice[] }> {
	const byLabel = (a: Choice, b: Choice) => a.label.localeCompare(b.label);
	if (addressesEverything(user)) {
		const [orgs, units] = await Promise.all([api.orgs({ per_page: 200 }), api.units({ per_page: 200 })]);
		return {
			orgs: (orgs.items ?? []).map((o) => ({ value: o.id, label: o.name })).sort(byLabel),
			units: (units.items ?? []).map((u) => ({ value: u.id, label: `${u.name} (${u.organisation.name})` })).sort(byLabel)
		};
	}
	const orgs = (user?.orgs ?? []).filter((o) => o.admin);
	return {
		orgs: orgs.map((o) => ({ value: o.id, label: o.name })).sort(byLabel),
		// A unit of an organisation they administer is theirs too (GET /api/me marks it admin).
		units: (user?.units ?? []).filter((u) => u.admin).map((u) => ({ value: u.id, label: u.name })).sort(byLabel)
	};
}

/** An audience as a form holds it. */
export interface AudienceForm {
	orgIds: string[];
	unitIds: string[];
	roles: string[];
	functions: string[];
}

/** An empty audience form. */
export const emptyAudience = (): AudienceForm => ({ orgIds: [], unitIds: [], roles: [], functions: [] });

/** The audience of a message, lists left empty left out (an empty list does not narrow). */
export function messageAudience(form: AudienceForm): MessageAudience {
	const audience: MessageAudience = {};
	if (form.orgIds.length) audience.org_ids = [...form.orgIds];
	if (form.unitIds.length) audience.unit_ids = [...form.unitIds];
	if (form.roles.length) audience.roles = form.roles as MembershipRole[];
	if (form.functions.length) audience.functions = [...form.functions];
	return audience;
}

/** The audience of a document: organisations, roles, functions (a document names no unit). */
export function documentAudience(form: AudienceForm): DocumentAudience {
	const { unit_ids: _units, ...audience } = messageAudience(form);
	return audience;
}

/**
 * A document's audience refused (422 `fields.audience`: `unknown_org`, `roles`,
 * `unknown_function`, `format`) as the reasons of the picker it concerns.
 */
export function documentAudienceReasons(reason: string | undefined): Record<string, string> {
	switch (reason) {
		case undefined:
		case '':
			return {};
		case 'unknown_function':
			return { functions: 'unknown_function' };
		case 'roles':
			return { roles: 'oneof' };
		case 'unknown_org':
			return { org_ids: 'unknown_org' };
		default:
			return { org_ids: reason };
	}
}


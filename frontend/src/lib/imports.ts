// Imports of memberships from a CSV, as the SPA's wizard shows them (pages/Imports.svelte).
// The server decides who may import where; these only offer the scopes it would accept.
import { api } from './api';
import type { ImportFate, User } from './apiTypes';
import { hasMessage, t } from './i18n/locale.svelte';
import { roleAtLeast } from './roles';

/** The fates of an import's lines, in the order the filters offer them. */
export const importFates: readonly ImportFate[] = ['created', 'updated', 'unchanged', 'ended', 'error'];

/** An organisation or a unit the person may import into, as the scope picker offers it. */
export interface ImportScope {
	/** `type:id`, the picker's value. */
	key: string;
	type: 'org' | 'unit';
	id: string;
	label: string;
}

const scope = (type: 'org' | 'unit', id: string, label: string): ImportScope => ({ key: `${type}:${id}`, type, id, label });

/**
 * The scopes the person may import into: every organisation and active unit for the
 * secretariat and instance admins, those they administer for anyone else (organisations
 * first, then units, each by name as the server lists them).
 */
export async function importScopes(user: Pick<User, 'role' | 'units' | 'orgs'> | null): Promise<ImportScope[]> {
	if (!user) return [];
	if (user.role === 'secretariat' || roleAtLeast(user.role, 'admin')) {
		const [orgs, units] = await Promise.all([api.orgs({ per_page: 200 }), api.unitDirectory({ per_page: 200 })]);
		return [
			...(orgs.items ?? []).map((o) => scope('org', o.id, t('imports.scopeOrg', { name: o.name }))),
			...units.items.map((u) => scope('unit', u.id, t('imports.scopeUnit', { name: u.name, code: u.code })))
		];
	}
	return [
		...(user.orgs ?? []).filter((o) => o.admin).map((o) => scope('org', o.id, t('imports.scopeOrg', { name: o.name }))),
		...(user.units ?? []).filter((u) => u.admin).map((u) => scope('unit', u.id, t('imports.scopeUnit', { name: u.name, code: u.code })))
	];
}

/**
 * Why a line cannot be imported, in words: the import's own reasons first (an unknown unit
 * code, a formula…), then the reasons every form shares (fieldMessage).
 */
export function lineError(reason: string, fieldMessage: (reason: string) => string): string {
	const key = `imports.reason.${reason.split('=', 1)[0]}`;
	return hasMessage(key) ? t(key) : fieldMessage(reason);
}

// How the audit log reads in the SPA: action names, detail names and values in words.
import { roles, statuses } from './roles';
import { hasMessage, t } from './i18n/locale.svelte';

/** The actions the filter offers: whole families first (a prefix ending in "."), then single actions. */
export const auditActionFilters = [
	'account.',
	'role_request.',
	'session.',
	'outbox.',
	'account.registered',
	'account.activated',
	'account.invited',
	'account.invitation_accepted',
	'account.created',
	'account.updated',
	'account.block',
	'account.unblock',
	'account.deregister',
	'account.locked',
	'account.password_changed',
	'role_request.created',
	'role_request.approved',
	'role_request.rejected',
	'session.ended',
	'outbox.retry'
] as const;

/** An action (or a family of actions) in words; the code itself when the catalogue does not know it. */
export function actionLabel(action: string): string {
	const key = action.endsWith('.') ? `audit.family.${action.slice(0, -1)}` : `audit.action.${action}`;
	return hasMessage(key) ? t(key) : action;
}

/** The name of a detail of an audit entry in words, or as stored. */
export function detailLabel(name: string): string {
	const key = `audit.detail.${name}`;
	return name && hasMessage(key) ? t(key) : name;
}

/** A detail's value in words: roles, statuses and yes/no are translated, the rest shown as stored. */
export function detailValue(name: string, value: string): string {
	const role = `role.${value}`;
	if (name.includes('role') && (roles as readonly string[]).includes(value) && hasMessage(role)) return t(role);
	const status = `status.${value}`;
	if (name.includes('status') && (statuses as readonly string[]).includes(value) && hasMessage(status)) return t(status);
	if (value === 'true') return t('audit.yes');
	if (value === 'false') return t('audit.no');
	return value;
}

/** The kind of object an audit entry is about, in words, or as stored. */
export function objectTypeLabel(type: string): string {
	const key = `audit.objectType.${type}`;
	return hasMessage(key) ? t(key) : type;
}

// How the audit log reads in the SPA: each entry as a sentence in the reader's language, with
// people by name and case files by reference, and the actions the filter offers.
import type { AuditEntry } from './apiTypes';
import { factName, statusLabel } from './cases';
import { categoryName } from './categories.svelte';
import { hasMessage, t, type MessageKey, type MessageParams } from './i18n/locale.svelte';

/**
 * Every action the audit log records, by family, as the store's AuditActions lists them
 * (a server test holds this list and the catalogues to the store's).
 */
export const auditActions = [
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
	'account.second_factor_enrolled',
	'account.second_factor_removed',
	'account.second_factor_reset',
	'session.login',
	'session.logout',
	'session.ended',
	'role_request.created',
	'role_request.approved',
	'role_request.rejected',
	'case.created',
	'case.updated',
	'case.transition',
	'case.assignees',
	'case.admin_read',
	'case.deleted',
	'case.note_added',
	'case.deadline_added',
	'case.deadline_updated',
	'case.deadline_deleted',
	'case.attachment_added',
	'case.attachment_deleted',
	'collaboration.invited',
	'collaboration.accepted',
	'collaboration.updated',
	'collaboration.revoked',
	'collaboration.expired',
	'collaboration.ended',
	'category.saved',
	'category.preset_added',
	'outbox.retry',
	'org.created',
	'org.updated',
	'org.activated',
	'unit.created',
	'unit.updated',
	'unit.activated',
	'unit.logo_set',
	'unit.logo_removed',
	'unit.stamp_set',
	'unit.stamp_removed',
	'membership.created',
	'membership.updated',
	'membership.accepted',
	'membership.invitation_resent',
	'membership.ended',
	'membership.revoked',
	'transfer.proposed',
	'transfer.received',
	'transfer.left',
	'transfer.accepted',
	'transfer.refused',
	'transfer.cancelled',
	'message.sent',
	'document.published',
	'document.deleted',
	'functions.saved',
	'instance.text_saved',
	'change_request.filed',
	'change_request.applied',
	'change_request.rejected',
	'category.inspectors',
	'inspection.opened',
	'inspection.closed',
	'import.previewed',
	'import.applied'
] as const;

/** The families of actions, in the order of the list: a filter on one is its prefix with a dot. */
export const auditFamilies = [...new Set(auditActions.map((action) => action.slice(0, action.indexOf('.'))))];

/** An action (or a family, ending in ".") in words; a generic word for one the catalogue does not know. */
export function actionLabel(action: string): string {
	const key = action.endsWith('.') ? `audit.family.${action.slice(0, -1)}` : `audit.action.${action}`;
	return hasMessage(key) ? t(key) : t('audit.action.unknown');
}

/** The options of the action filter: every action, under its family's heading, which selects them all. */
export function actionGroups(): { family: string; label: string; actions: { value: string; label: string }[] }[] {
	return auditFamilies.map((family) => ({
		family: `${family}.`,
		label: actionLabel(`${family}.`),
		actions: auditActions.filter((action) => action.startsWith(`${family}.`)).map((value) => ({ value, label: actionLabel(value) }))
	}));
}

/** The details of an entry (stored as a JSON object in a string), or none when they are not one. */
export function entryDetails(entry: Pick<AuditEntry, 'details'>): Record<string, unknown> {
	if (!entry.details) return {};
	try {
		const parsed: unknown = JSON.parse(entry.details);
		return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
	} catch {
		return {};
	}
}

const text = (value: unknown) => (typeof value === 'string' ? value : '');
const list = (value: unknown) => (Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : []);
const word = (prefix: string, code: unknown) => {
	const key = `${prefix}.${text(code)}`;
	return text(code) && hasMessage(key) ? t(key) : t('audit.unknownValue');
};

/** Who acted, in words: their name, or who else it was (the system, someone not logged in). */
export function actorName(entry: AuditEntry): string {
	if (entry.actor_name) return entry.actor_name;
	if (entry.actor_id) return t('audit.formerAccount');
	return entry.client_ip === 'system' ? t('audit.system') : t('audit.someone');
}

/** What the entry is about, in words: a person's name, a case file's reference, a category's label. */
export function objectName(entry: AuditEntry): string {
	if (entry.object_type === 'category') return categoryName(entry.object_id);
	if (entry.object_label) return entry.object_label;
	return entry.object_type === 'case' || entry.object_type === 'grant' ? t('audit.someCase') : t('audit.formerAccount');
}

/** The sentence's key: some actions read differently with what their details hold. */
function sentenceKey(entry: AuditEntry, details: Record<string, unknown>): string {
	const base = `audit.sentence.${entry.action}`;
	if (entry.action === 'case.assignees') {
		const added = list(details.added).length > 0;
		const removed = list(details.removed).length > 0;
		return added && removed ? `${base}.both` : removed ? `${base}.removed` : added ? base : `${base}.none`;
	}
	if (entry.action === 'account.updated') {
		const role = Boolean(details.role_to);
		const name = details.name_changed === true;
		return role && name ? `${base}.both` : role ? `${base}.role` : base;
	}
	return base;
}

/** An entry as a sentence in the reader's language, its reason after it. */
export function auditSentence(entry: AuditEntry): string {
	const details = entryDetails(entry);
	const names = entry.names ?? {};
	const people = (ids: string[]) => ids.map((id) => names[id] || t('audit.formerAccount')).join(', ');
	const caseId = text(details.case);
	const personId = text(details.account);
	const scopeId = entry.unit_id || entry.org_id || '';
	const params: MessageParams = {
		actor: actorName(entry),
		object: objectName(entry),
		case: caseId && names[caseId] ? t('audit.caseRef', { reference: names[caseId] }) : t('audit.someCase'),
		role: word('role', details.role),
		roleFrom: word('role', details.role_from),
		roleTo: word('role', details.role_to),
		from: text(details.from) ? t(statusLabel(text(details.from))) : t('audit.unknownValue'),
		to: text(details.to) ? t(statusLabel(text(details.to))) : t('audit.unknownValue'),
		fields: list(details.fields).map(factName).join(', '),
		added: people(list(details.added)),
		removed: people(list(details.removed)),
		kind: word('helper.kind', details.kind),
		categories: list(details.categories).map(categoryName).join(', '),
		// A mandate's holder (someone invited has no account yet), role and scope.
		person: personId ? names[personId] || t('audit.formerAccount') : t('audit.someone.invited'),
		memberRole: word('memberRole', details.role),
		scope: (scopeId && names[scopeId]) || t('audit.unknownValue')
	};
	const key = sentenceKey(entry, details);
	const sentence = hasMessage(key) ? t(key as MessageKey, params) : t('audit.sentence.unknown', params);
	// The reason follows the sentence, which then loses its full stop.
	return entry.reason ? t('audit.withReason', { sentence: sentence.replace(/\.$/, ''), reason: entry.reason }) : sentence;
}

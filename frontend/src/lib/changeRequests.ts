// Change requests as the SPA shows them: a request's details in words for the secretariat and
// the requester, and the field names of the server's 422 (`details.email`) mapped onto the
// form's fields. The server checks every request as the change itself would be checked.
import type { ChangeDetails, ChangeKind, ChangeRequest, Membership, OrganisationRecord } from './apiTypes';
import { formatDay } from './cases';
import type { MessageKey } from './i18n/locale.svelte';
import { mandateDay, membershipRoleLabel } from './scopes';

/** The kinds of change request, in the order the form offers them. */
export const changeKinds: readonly ChangeKind[] = ['add_member', 'update_member', 'end_member', 'update_record'];

/** The label of a kind of change request. */
export const changeKindLabel = (kind: string): MessageKey => `changeRequests.kind.${kind as ChangeKind}`;

/** The label of a change request's status. */
export const changeStatusLabel = (status: string): MessageKey => `changeRequests.status.${status as ChangeRequest['status']}`;

/** What a membership reads as: its holder's name (or e-mail) and its scope. */
export function membershipLabel(m: Pick<Membership, 'name' | 'email' | 'scope_name'>, invited: string): string {
	const who = m.name || m.email || invited;
	return m.scope_name ? `${who} (${m.scope_name})` : who;
}

/** One line of a request's details: what (a catalogue key) and its value in words. */
export interface DetailLine {
	label: MessageKey;
	value: string;
}

/** What a request's details read as needs from around it. */
export interface DetailContext {
	/** The organisation's record when it could be read: it names units and memberships. */
	record: Pick<OrganisationRecord, 'name' | 'units' | 'members'> | null;
	locale: string;
	t: (key: MessageKey) => string;
	/** Functions in words. */
	functions: (codes: readonly string[]) => string;
}

/**
 * A request's details in words, line by line, in the order the form asks them: who is added
 * where with which role, functions and dates; which membership ends or changes and how; what
 * the record should read. Never an id when the record names it.
 */
export function describeDetails(kind: ChangeKind, d: ChangeDetails, ctx: DetailContext): DetailLine[] {
	const lines: DetailLine[] = [];
	const push = (label: MessageKey, value: string | undefined | null) => {
		if (value !== undefined && value !== null) lines.push({ label, value });
	};
	const day = (value: string | undefined) => (value === undefined ? undefined : value ? formatDay(mandateDay(value) || value, ctx.locale) : ctx.t('members.noEnd'));
	const member = (id: string | undefined) => {
		if (!id) return undefined;
		const m = ctx.record?.members.find((candidate) => candidate.id === id);
		return m ? membershipLabel(m, ctx.t('members.invitedSomeone')) : ctx.t('changeRequests.memberGone');
	};
	const mandate = () => {
		if (d.role) push('members.roleLabel', ctx.t(membershipRoleLabel(d.role)));
		if (d.functions) push('members.functions', d.functions.length ? ctx.functions(d.functions) : ctx.t('changeRequests.noFunctions'));
		if (d.valid_from) push('members.validFrom', day(d.valid_from));
		push('members.validUntil', day(d.valid_until));
	};
	switch (kind) {
		case 'add_member': {
			const unit = d.unit_id ? ctx.record?.units.find((u) => u.id === d.unit_id)?.name : ctx.record?.name;
			push('changeRequests.where', unit ?? ctx.t('changeRequests.unitGone'));
			push('members.email', d.email ?? '');
			if (d.name) push('changeRequests.name', d.name);
			mandate();
			break;
		}
		case 'end_member':
			push('changeRequests.member', member(d.membership_id));
			break;
		case 'update_member':
			push('changeRequests.member', member(d.membership_id));
			mandate();
			break;
		case 'update_record':
			if (d.record?.name !== undefined) push('orgs.name', d.record.name);
			if (d.record?.address !== undefined) push('orgs.address', d.record.address || ctx.t('case.empty'));
			if (d.record?.contact_email !== undefined) push('orgs.contactEmail', d.record.contact_email || ctx.t('case.empty'));
			break;
	}
	return lines;
}

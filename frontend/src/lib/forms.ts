import { tick } from 'svelte';

/** Reasons per field name (`required`, `min=10`…), the shape of the API's 422 `fields` and of client-side checks alike. */
export type FieldReasons = Record<string, string>;

/** Moves focus to the first field marked invalid in form, once the page shows the errors. */
export async function focusFirstInvalid(form: HTMLFormElement): Promise<void> {
	await tick();
	form.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
}

/** The minimum password length the server enforces. */
export const minPasswordLength = 10;

/** Counts characters as a person does (an emoji is one), not UTF-16 units. */
export function passwordTooShort(password: string): boolean {
	return [...password].length < minPasswordLength;
}

/** A loose check that only catches typing slips; the server has the last word. */
export function looksLikeEmail(value: string): boolean {
	return /^[^\s@]+@[^\s@]+$/.test(value);
}

/** The field reason for a required value: `required` when blank (or a box left unticked), '' otherwise. */
export function checkRequired(value: string | boolean): string {
	return (typeof value === 'boolean' ? value : value.trim() !== '') ? '' : 'required';
}

/** The field reason for a password one must give: `required` when nothing was typed (blanks may be part of it). */
export function checkPasswordGiven(password: string): string {
	return password ? '' : 'required';
}

/** The field reason for a required e-mail address: '' when it looks like one, `required` when blank, `email` otherwise. */
export function checkEmail(email: string): string {
	const value = email.trim();
	if (!value) return 'required';
	return looksLikeEmail(value) ? '' : 'email';
}

/** The shortest reason an admin intervention accepts; the server checks the same. */
export const minReasonLength = 10;

/**
 * The field reason for an admin intervention's reason: '' when acceptable, `required` when
 * blank, `min=10` when shorter than ten characters once trimmed (counted as the server does).
 */
export function checkReason(reason: string): string {
	const length = [...reason.trim()].length;
	if (length === 0) return 'required';
	if (length < minReasonLength) return `min=${minReasonLength}`;
	return '';
}

/**
 * Checks a new password and its confirmation as the server would (length only: the server
 * also refuses common passwords), into reasons keyed by the two field names.
 */
export function checkNewPassword(
	password: string,
	confirmation: string,
	fields = { password: 'password', confirmation: 'password_confirmation' }
): FieldReasons {
	const found: FieldReasons = {};
	if (passwordTooShort(password)) found[fields.password] = `min=${minPasswordLength}`;
	if (confirmation !== password) found[fields.confirmation] = 'password_mismatch';
	return found;
}

/** The reasons the client-side checks found, keyed by field: the fields found fine ('') left out. */
export function reasonsFound(checks: Record<string, string>): FieldReasons {
	return Object.fromEntries(Object.entries(checks).filter(([, reason]) => reason !== ''));
}

/**
 * Checks what every new account sets (JoinFields): the new password and its confirmation,
 * and the signed confidentiality pledge.
 */
export function checkNewAccount(account: { password: string; confirmation: string; pledge: boolean }): FieldReasons {
	return { ...checkNewPassword(account.password, account.confirmation), ...reasonsFound({ pledge: checkRequired(account.pledge) }) };
}

/** Whether reasons holds any field reason. */
export function hasReasons(reasons: FieldReasons): boolean {
	return Object.keys(reasons).length > 0;
}

/**
 * The reasons of the fields under prefix, named without it: a 422 names a nested field by its
 * path (`details.email`, `audience.org_ids`), the part of the form that shows it by its own name.
 */
export function reasonsUnder(reasons: FieldReasons, prefix: string): FieldReasons {
	const start = `${prefix}.`;
	return Object.fromEntries(
		Object.entries(reasons)
			.filter(([field]) => field.startsWith(start))
			.map(([field, reason]) => [field.slice(start.length), reason])
	);
}

import type { ApiError } from './api';
import { formatSize } from './cases';
import { hasMessage, i18n, t } from './i18n/locale.svelte';

/** A form-level message for a failed call, in the reader's language when the catalogue knows the code; '' for none. */
export function describeError(error: ApiError | null): string {
	if (!error) return '';
	const key = `error.${error.code}`;
	if (hasMessage(key)) return t(key, { id: error.correlationId, status: error.status });
	// The server already localizes its message from Accept-Language.
	return error.message || t('error.unknown', { status: error.status });
}

/**
 * The message for a field reason as the API's 422 `fields` give it (`required`, `email`,
 * `min=10`, `common_password`…); client-side checks use the same reasons. A reason the
 * catalogue does not know reads as a plain refusal, never as its code.
 */
export function fieldMessage(reason: string): string {
	const [code, value = ''] = reason.split('=', 2);
	const key = `field.${code}`;
	// A size limit reads as a size ("10 Mo"), not as a number of bytes.
	const shown = code === 'max_size' && /^\d+$/.test(value) ? formatSize(Number(value), i18n.locale) : value;
	return hasMessage(key) ? t(key, { value: shown }) : t('field.rejected');
}

/** Why field was refused, in words, when reasons (a form's, or a 422's fields) name it; undefined when not. */
export function fieldError(reasons: Record<string, string>, field: string): string | undefined {
	const reason = reasons[field];
	return reason ? fieldMessage(reason) : undefined;
}

import { api } from './api';
import type { InstanceConfig } from './apiTypes';
import { adoptInstanceLocale, locales, t } from './i18n/locale.svelte';
import { catchRefusal } from './resource.svelte';

/**
 * The instance's public settings; shipped defaults until GET /api/config answers.
 * `status` tells pages that depend on a setting (is registration open?) whether the
 * value is the server's yet, so they do not flash a wrong answer.
 */
export const instance = $state<InstanceConfig & { status: 'loading' | 'ready' | 'failed' }>({
	name: '',
	languages: [...locales],
	default_locale: 'fr',
	registration_open: false,
	email_delivery: 'smtp',
	pledge: '',
	attachment_max_bytes: 0,
	status: 'loading'
});

/**
 * A form's message about an e-mail it sent, and where that e-mail went when it was not
 * sent: with no SMTP server configured, it was printed to the server's log.
 */
export function mailOutcome(message: string): string {
	return instance.email_delivery === 'log' && message ? `${message} ${t('mail.printedToLog')}` : message;
}

/**
 * Loads the public settings; the SPA keeps working on the defaults if the call fails.
 * Called again when the language changes: the pledge comes in the request's language.
 */
let latest = 0;

export async function loadInstance(): Promise<void> {
	const call = ++latest;
	const config = await catchRefusal(api.config, () => null);
	if (!config) {
		if (instance.status === 'loading') instance.status = 'failed';
		return;
	}
	// An answer overtaken by a later call (a quick language switch) would bring back the old pledge.
	if (call !== latest) return;
	Object.assign(instance, config, { status: 'ready' });
	adoptInstanceLocale(instance.default_locale);
}

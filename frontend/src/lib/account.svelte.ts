import { api, type ApiError } from './api';
import type { User } from './apiTypes';
import { isLocale, setLocale } from './i18n/locale.svelte';
import { catchRefusal } from './resource.svelte';
import { session } from './session.svelte';

/**
 * What the login page shows for a person sent to it: their e-mail prefilled and a word on
 * why they are there (an invitation accepted). Kept in memory only, never in the address bar.
 */
export const loginHint = $state<{ email: string; notice: '' | 'invitationAccepted'; caseReference: string }>({
	email: '',
	notice: '',
	caseReference: ''
});

/**
 * A helper invitation's token kept while its person logs in ("I already have an account"),
 * so the invitation page can accept it when they come back. Memory only: a reload drops it.
 */
export const pendingInvitation = $state<{ token: string }>({ token: '' });

/** The state of fetching the account after a reload: a failure other than 401 is shown with a retry. */
export const accountLoad = $state<{ error: ApiError | null }>({ error: null });

/** Fetches the logged-in account again (its role may have changed); a dead token signs out (api client). */
export async function refreshUser(): Promise<User | null> {
	if (!session.token) return null;
	const token = session.token;
	return catchRefusal(
		async () => {
			const user = await api.me();
			if (session.token === token) session.user = user;
			accountLoad.error = null;
			return user;
		},
		(error) => {
			if (error.status !== 401) accountLoad.error = error;
			return null;
		}
	);
}

/** Shows the UI in the account's language, the one its e-mails use too. */
export function adoptAccountLocale(user: Pick<User, 'locale'>): void {
	if (isLocale(user.locale)) setLocale(user.locale);
}

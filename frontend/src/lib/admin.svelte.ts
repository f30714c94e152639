import { api } from './api';
import { catchRefusal } from './resource.svelte';
import { isScopeAdmin } from './roles';
import { session } from './session.svelte';

/** What the administration navigation shows: the number of role requests waiting for a decision. */
export const adminState = $state({ pendingRequests: 0 });

let latest = 0;

/** Counts the pending role requests again, for an admin of the instance, an organisation or a unit; nobody else may ask, and needs not. */
export async function refreshPendingRequests(): Promise<void> {
	if (!session.token || !isScopeAdmin(session.user)) {
		adminState.pendingRequests = 0;
		return;
	}
	const call = ++latest;
	// The badge is a convenience: a failure leaves the last count.
	const total = await catchRefusal(
		async () => (await api.roleRequests({ status: 'pending', per_page: 1 })).total,
		() => null
	);
	if (total !== null && call === latest) adminState.pendingRequests = total;
}

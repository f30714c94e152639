import { api } from './api';
import { catchRefusal } from './resource.svelte';
import { isScopeAdmin, namesInspectors } from './roles';
import { session } from './session.svelte';

/**
 * What the administration navigation shows: the number of role requests waiting for a
 * decision, and of change requests waiting for the secretariat.
 */
export const adminState = $state({ pendingRequests: 0, pendingChanges: 0 });

let latest = 0;

/** Counts the pending role requests again, for an admin of the instance, an organisation or a unit; nobody else may ask, and needs not. */
export async function refreshPendingRequests(): Promise<void> {
	const call = ++latest;
	// The badges are a convenience: a failure leaves the last count.
	const count = (asks: boolean, list: () => Promise<{ total: number }>) =>
		session.token && asks ? catchRefusal(async () => (await list()).total, () => null) : Promise.resolve(0);
	const [requests, changes] = await Promise.all([
		count(isScopeAdmin(session.user), () => api.roleRequests({ status: 'pending', per_page: 1 })),
		// The change requests wait for the secretariat and superadmins; anyone else's are their own.
		count(namesInspectors(session.user), () => api.changeRequests({ status: 'pending', per_page: 1 }))
	]);
	if (call !== latest) return;
	if (requests !== null) adminState.pendingRequests = requests;
	if (changes !== null) adminState.pendingChanges = changes;
}

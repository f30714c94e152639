// The units a person's case files come from, named: for the unit column, filter and picker of
// the case-file pages, shown only to whoever sees several units (lib/scopes.ts).
import { api } from './api';
import { catchRefusal } from './resource.svelte';
import { seesEveryUnit } from './scopes';
import { session } from './session.svelte';

/** How many units an instance admin's lists may be filtered by, fetched at once. */
const directoryPage = 100;

/** The account the directory was last read for. */
let directoryFor = '';

/**
 * `count`: the units of the instance (the directory's total, for instance admins only; 0 until
 * known); `options`: the units to filter by, by name; `names`: a unit's name by id, for the
 * column.
 */
export const unitState = $state<{ count: number; options: { id: string; name: string }[]; names: Record<string, string> }>({
	count: 0,
	options: [],
	names: {}
});

/**
 * Learns the units the logged-in person sees case files of: their memberships' (GET /api/me),
 * or, for an instance admin, the directory's first page and its total. A failure leaves what
 * was known: the unit column is a convenience.
 */
export async function loadUnits(): Promise<void> {
	const user = session.user;
	if (!user) return;
	// The directory's first page, once per account and page load: it changes rarely.
	if (directoryFor === user.id && seesEveryUnit(user)) return;
	if (!seesEveryUnit(user)) {
		const units = user.units ?? [];
		unitState.options = units.map(({ id, name }) => ({ id, name }));
		for (const unit of units) unitState.names[unit.id] = unit.name;
		return;
	}
	await catchRefusal(
		async () => {
			const page = await api.units({ per_page: directoryPage });
			unitState.count = page.total;
			directoryFor = user.id;
			unitState.options = (page.items ?? []).map(({ id, name }) => ({ id, name }));
			for (const unit of page.items ?? []) unitState.names[unit.id] = unit.name;
		},
		() => {}
	);
}

/** Names the units of ids not known yet (one request each, in parallel); a unit that cannot be read stays unnamed. */
export async function nameUnits(ids: readonly string[]): Promise<void> {
	const unknown = [...new Set(ids)].filter((id) => id && !(id in unitState.names));
	await Promise.all(
		unknown.map((id) =>
			catchRefusal(
				async () => {
					unitState.names[id] = (await api.unit(id)).name;
				},
				() => {}
			)
		)
	);
}

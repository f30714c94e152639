// The organisations' records a list of change requests names, read once each: they turn a
// membership's id into a name and a unit's id into its name. A record one may no longer read
// (a mandate ended meanwhile) is null, and the details say so instead of showing an id.
import { api } from './api';
import type { OrganisationRecord } from './apiTypes';
import { catchRefusal } from './resource.svelte';

/** Records by organisation id, fetched on demand. */
export class OrgRecords {
	/** The records read so far; null for one that could not be read. */
	byId = $state<Record<string, OrganisationRecord | null>>({});

	/** Reads the records of ids not read yet (again all of them when fresh is set). */
	async need(ids: readonly string[], fresh = false): Promise<void> {
		const missing = [...new Set(ids)].filter((id) => fresh || !(id in this.byId));
		const read = await Promise.all(missing.map((id) => catchRefusal(() => api.org(id), () => null)));
		missing.forEach((id, i) => (this.byId[id] = read[i]));
	}

	/** The record of id, null until read or when it cannot be. */
	of(id: string): OrganisationRecord | null {
		return this.byId[id] ?? null;
	}
}

import { api } from './api';
import type { Category } from './apiTypes';
import { categoryLabel } from './cases';
import { i18n } from './i18n/locale.svelte';

/** The categories of case files, fetched once per page load and again after an admin changes them. */
export const categoryState = $state<{ items: Category[]; loaded: boolean }>({ items: [], loaded: false });

let loading: Promise<Category[]> | null = null;

/** The categories, from the server the first time (or when fresh is set). */
export async function loadCategories(fresh = false): Promise<Category[]> {
	if (categoryState.loaded && !fresh) return categoryState.items;
	loading ??= api.categories().finally(() => (loading = null));
	const items = await loading;
	categoryState.items = [...items].sort((a, b) => a.position - b.position || a.id.localeCompare(b.id));
	categoryState.loaded = true;
	return categoryState.items;
}

/** A category's label in the reader's language. */
export function categoryName(id: string): string {
	return categoryLabel(categoryState.items, id, i18n.locale);
}

/** Choices for a select: the active categories, plus current when it was retired meanwhile. */
export function categoryOptions(current = ''): { value: string; label: string }[] {
	return categoryState.items
		.filter((c) => c.active || c.id === current)
		.map((c) => ({ value: c.id, label: categoryName(c.id) }));
}

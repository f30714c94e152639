// The catalogue of functions a membership may hold (president, treasurer…), as the SPA shows
// it: fetched once per page load and again after the secretariat changes it, labelled in the
// reader's language. Memberships keep codes; no code ever reaches a person when the
// catalogue knows it.
import { onMount } from 'svelte';
import { api } from './api';
import type { MemberFunction } from './apiTypes';
import { labelIn } from './cases';
import { i18n } from './i18n/locale.svelte';
import { instance } from './instance.svelte';
import { catchRefusal } from './resource.svelte';

/** The catalogue, in its order; `loaded` once a first answer came. */
export const functionState = $state<{ items: MemberFunction[]; loaded: boolean }>({ items: [], loaded: false });

let loading: Promise<MemberFunction[]> | null = null;

/** The catalogue, from the server the first time (or when fresh is set); a refusal leaves it empty. */
export async function loadFunctions(fresh = false): Promise<MemberFunction[]> {
	if (functionState.loaded && !fresh) return functionState.items;
	loading ??= api.functions().finally(() => (loading = null));
	try {
		functionState.items = [...(await loading)].sort((a, b) => a.position - b.position || a.code.localeCompare(b.code));
	} finally {
		functionState.loaded = true;
	}
	return functionState.items;
}

/**
 * Has the catalogue read once the calling component is shown (call it while the component
 * initialises): its labels then replace the codes. A refusal leaves the codes shown.
 */
export function useFunctions(): void {
	onMount(() => void catchRefusal(() => loadFunctions(), () => []));
}

/** Replaces the catalogue shown (after the secretariat saved it). */
export function setFunctions(items: MemberFunction[]): void {
	functionState.items = items;
	functionState.loaded = true;
}

/**
 * The labels of a function by language, as the server keeps them (French, English, German). The
 * German one is optional: without it German readers read the English label (else the French).
 */
export function functionLabels(fn: Pick<MemberFunction, 'label_fr' | 'label_en' | 'label_de'>): Record<string, string> {
	return { fr: fn.label_fr, en: fn.label_en, de: fn.label_de || fn.label_en || fn.label_fr };
}

/** A function's label in the first language given that it has one in; its code when the catalogue does not know it. */
export function functionLabelIn(catalogue: readonly MemberFunction[], code: string, ...languages: string[]): string {
	const fn = catalogue.find((f) => f.code === code);
	return (fn && labelIn(functionLabels(fn), ...languages)) || code;
}

/** A function in the reader's language (else the instance's). */
export function functionName(code: string): string {
	return functionLabelIn(functionState.items, code, i18n.locale, instance.default_locale);
}

/** Functions in words, as a list shows them ('' for none). */
export function functionNames(codes: readonly string[] | null | undefined): string {
	return (codes ?? []).map(functionName).join(', ');
}

/** What a picker offers: the active functions, plus those already held (a retired one stays visible). */
export function functionChoices(held: readonly string[] = []): { value: string; label: string }[] {
	const offered = functionState.items.filter((f) => f.active || held.includes(f.code)).map((f) => f.code);
	for (const code of held) if (!offered.includes(code)) offered.push(code);
	return offered.map((code) => ({ value: code, label: functionName(code) }));
}

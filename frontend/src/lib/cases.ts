// Case files in the SPA: their vocabulary (statuses, outcomes, transitions, helpers), the
// merge of a person's edits with a version saved meanwhile, and saving a downloaded file.
import type { CaseFacts, CaseOutcome, CaseStatus, Category, DownloadedFile, HelperKind } from './apiTypes';
import { hasMessage, intlTag, t, tIn, type Locale, type MessageKey } from './i18n/locale.svelte';

/** Statuses in the order of a case file's life. */
export const caseStatuses: readonly CaseStatus[] = ['draft', 'open', 'pending', 'litigation', 'closed', 'archived'];

/** How a case file may end. */
export const caseOutcomes: readonly CaseOutcome[] = ['obtained', 'partial', 'rejected', 'abandoned'];

/** The kinds of helper. */
export const helperKinds: readonly HelperKind[] = ['support', 'trainee', 'mentee'];

/** The sort orders of the list, most useful first. */
export const caseSorts = ['-updated', 'updated', '-created', 'created', 'reference', 'title'] as const;

/** The label of a status. */
export const statusLabel = (status: string): MessageKey => `case.status.${status as CaseStatus}`;

/** The label of an outcome. */
export const outcomeLabel = (outcome: string): MessageKey => `case.outcome.${outcome as CaseOutcome}`;

/**
 * The label of the button that moves a case file from one status to another: the same
 * target reads differently depending on where the file comes from (closed → open reopens it).
 */
export function transitionLabel(from: CaseStatus, to: CaseStatus): MessageKey {
	if (to === 'open') return from === 'draft' ? 'case.move.open' : 'case.move.reopen';
	if (to === 'closed') return from === 'archived' ? 'case.move.unarchive' : 'case.move.closed';
	return `case.move.${to}` as MessageKey;
}

/**
 * A category's label in the first of the languages given it has one in (the reader's, then
 * the instance's), else in French, else in any; its id when it has none.
 */
export function labelIn(labels: Readonly<Record<string, string>>, ...languages: string[]): string {
	for (const language of [...languages, 'fr', ...Object.keys(labels).sort()]) if (labels[language]) return labels[language];
	return '';
}

/** A category in the reader's language (else the instance's), or its id when the list does not know it. */
export function categoryLabel(categories: readonly Category[], id: string, locale: Locale, instanceLocale = 'fr'): string {
	const category = categories.find((c) => c.id === id);
	return (category && labelIn(category.labels, locale, instanceLocale)) || id;
}

/** A fact's name in words (a history entry, an audit entry name the facts changed). */
export function factName(field: string): string {
	const key = `case.field.${field}`;
	return hasMessage(key) ? t(key) : t('audit.unknownValue');
}

/** The facts of a case file a person edits, in the order of the form. */
export const factFields = ['title', 'category_id', 'summary', 'facts_date', 'place'] as const;

/** A fact's name. */
export type FactField = (typeof factFields)[number];

/** The facts as the form holds them: every one a string ('' for no date). */
export type Facts = Record<FactField, string>;

/** The form's values for a case file. */
export function factsOf(facts: CaseFacts): Facts {
	return {
		title: facts.title ?? '',
		category_id: facts.category_id ?? '',
		summary: facts.summary ?? '',
		facts_date: facts.facts_date ?? '',
		place: facts.place ?? ''
	};
}

/** The facts edited differs from base by: what a PATCH sends. */
export function changedFacts(base: Facts, edited: Facts): Partial<Facts> {
	const change: Partial<Facts> = {};
	for (const field of factFields) if (edited[field] !== base[field]) change[field] = edited[field];
	return change;
}

/** A fact both the person and someone else changed, differently. */
export interface FactConflict {
	field: FactField;
	/** What the person typed. */
	mine: string;
	/** What the other person saved meanwhile. */
	theirs: string;
}

/**
 * Puts a person's edits (made on base) over the version saved meanwhile (saved). A fact
 * only they changed, or that both changed the same way, keeps their value; a fact both
 * changed differently is a conflict for them to decide. Nothing typed is dropped: merged
 * holds their value for every fact, conflicts included, until they choose otherwise.
 */
export function mergeFacts(base: Facts, edited: Facts, saved: Facts): { merged: Facts; conflicts: FactConflict[] } {
	const merged: Facts = { ...saved };
	const conflicts: FactConflict[] = [];
	for (const field of factFields) {
		if (edited[field] === base[field]) continue; // not theirs to decide: the saved value stands
		merged[field] = edited[field];
		if (saved[field] !== base[field] && saved[field] !== edited[field]) {
			conflicts.push({ field, mine: edited[field], theirs: saved[field] });
		}
	}
	return { merged, conflicts };
}

/** Applies the person's choice for each conflict ('mine' unless they took the other's). */
export function resolveConflicts(
	merged: Facts,
	conflicts: readonly FactConflict[],
	choices: Partial<Record<FactField, 'mine' | 'theirs'>>
): Facts {
	const resolved = { ...merged };
	for (const conflict of conflicts) {
		resolved[conflict.field] = choices[conflict.field] === 'theirs' ? conflict.theirs : conflict.mine;
	}
	return resolved;
}

/** A size in bytes for people: 12 Ko / 12 KB, 1,5 Mo / 1.5 MB. */
export function formatSize(bytes: number, locale: Locale): string {
	const units = tIn(locale, 'locale.sizeUnits').split(' ');
	let value = bytes;
	let unit = 0;
	while (value >= 1024 && unit < units.length - 1) {
		value /= 1024;
		unit++;
	}
	const number = new Intl.NumberFormat(intlTag(locale), { maximumFractionDigits: unit === 0 ? 0 : 1 }).format(value);
	return `${number} ${units[unit]}`;
}

/**
 * A `YYYY-MM-DD` day in the reader's language, as is when it is not one; `full` spells the
 * weekday and month out (under a date field, whose own display follows the browser).
 */
export function formatDay(day: string | null | undefined, locale: Locale, style: 'medium' | 'full' = 'medium'): string {
	if (!day) return '';
	const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(day);
	if (!match) return day;
	const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
	return new Intl.DateTimeFormat(intlTag(locale), { dateStyle: style, timeZone: 'UTC' }).format(date);
}

/**
 * Hands a downloaded file to the browser. A plain link cannot carry the bearer token, so the
 * file was fetched; an object URL on a download link saves it without navigating (the CSP
 * governs fetches and embeds, not a download), and is revoked once the browser took it.
 */
export function saveFile(file: DownloadedFile): void {
	const url = URL.createObjectURL(file.blob);
	const link = document.createElement('a');
	link.href = url;
	link.download = file.filename;
	link.hidden = true;
	document.body.append(link);
	link.click();
	link.remove();
	setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

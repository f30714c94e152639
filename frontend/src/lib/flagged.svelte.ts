// What the SPA makes of text that looks like personal data: a field's warning while it is
// typed, and the list of every flagged passage of a page with a way to reach each one.
import { getContext, setContext } from 'svelte';
import { intlTag, i18n, t, type MessageKey } from './i18n/locale.svelte';
import { findPersonalData, kindsOf, type PersonalDataKind } from './personalData';

/** A piece of free text of a page: where it is shown and what it is called. */
export interface TextSource {
	/** The id of the element that shows it: a form control, or a block with tabindex="-1". */
	target: string;
	/** What the person calls it: a field's label, "Note by …". */
	field: string;
	text: string;
}

/** One flagged passage, ready to list. */
export interface Flagged {
	key: string;
	kind: PersonalDataKind;
	field: string;
	target: string;
	/** The passage itself, and a few words before and after it (with … where the text goes on). */
	match: string;
	before: string;
	after: string;
}

const kindPhrase = (kind: PersonalDataKind) => t(`personal.kind.${kind}` as MessageKey);

/** The kind in words, as a list item names it ("E-mail address"). */
export const kindName = (kind: PersonalDataKind) => t(`personal.name.${kind}` as MessageKey);

/** A field's warning naming every kind found in text, or undefined when nothing is. */
export function personalWarning(text: string): string | undefined {
	const kinds = kindsOf(findPersonalData(text));
	if (kinds.length === 0) return undefined;
	const list = new Intl.ListFormat(intlTag(i18n.locale), { type: 'conjunction' }).format(kinds.map(kindPhrase));
	return t('personal.fieldWarning', { kinds: list });
}

const around = 24;

/** The flagged passages of sources, in the order of the sources and of their text. */
export function flaggedIn(sources: TextSource[]): Flagged[] {
	return sources.flatMap((source) =>
		findPersonalData(source.text).map((found) => {
			const start = Math.max(0, found.start - around);
			const end = Math.min(source.text.length, found.end + around);
			const squeeze = (text: string) => text.replace(/\s+/g, ' ');
			return {
				key: `${source.target}:${found.start}`,
				kind: found.kind,
				field: source.field,
				target: source.target,
				match: source.text.slice(found.start, found.end),
				// Cut at a space, not inside a word, where the text goes on.
				before: start > 0 ? `…${squeeze(source.text.slice(start, found.start)).replace(/^\S*\s/, '')}` : squeeze(source.text.slice(0, found.start)),
				after: end < source.text.length ? `${squeeze(source.text.slice(found.end, end)).replace(/\s\S*$/, '')}…` : squeeze(source.text.slice(found.end))
			};
		})
	);
}

/**
 * Brings a flagged passage into view: the element that shows it is scrolled to and focused,
 * and in a form control the passage itself is selected, so the person sees what to remove.
 */
export function showFlagged(flagged: Flagged): void {
	const element = document.getElementById(flagged.target);
	if (!element) return;
	element.scrollIntoView({ block: 'center' });
	element.focus({ preventScroll: true });
	if (element instanceof HTMLInputElement || element instanceof HTMLTextAreaElement) {
		const at = element.value.indexOf(flagged.match);
		if (at >= 0) element.setSelectionRange(at, at + flagged.match.length);
	}
}

/** The texts the parts of a page report (its notes, its deadlines), gathered for one list. */
export class PageTexts {
	groups = $state<Record<string, TextSource[]>>({});
	/** Every text reported, group after group. */
	all = $derived(Object.values(this.groups).flat());
}

const contextKey = Symbol('page-texts');

/** Makes a page gather the texts its parts report (reportTexts); call during the page's setup. */
export function gatherTexts(): PageTexts {
	return setContext(contextKey, new PageTexts());
}

/**
 * Reports a part's texts to the page that gathers them, kept up to date while the part is
 * shown; a part used on a page that does not gather reports nothing. Call during setup.
 */
export function reportTexts(group: string, sources: () => TextSource[]): void {
	const page = getContext<PageTexts | undefined>(contextKey);
	if (!page) return;
	$effect(() => {
		page.groups[group] = sources();
		return () => {
			delete page.groups[group];
		};
	});
}

// Presentation helpers: dates in the reader's language, user agents, pages.
import { intlTag, type Locale } from './i18n/locale.svelte';

/** A date and time in the reader's language and time zone ('' for no date). */
export function formatDateTime(iso: string | null | undefined, locale: Locale): string {
	if (!iso) return '';
	const date = new Date(iso);
	if (Number.isNaN(date.getTime())) return iso;
	return new Intl.DateTimeFormat(intlTag(locale), {
		dateStyle: 'medium',
		timeStyle: 'short'
	}).format(date);
}

const pad = (n: number) => String(n).padStart(2, '0');

/** RFC 3339 in UTC without fractions: what the API's time filters accept. */
export function toRFC3339(date: Date): string {
	return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function localDay(day: string): Date | null {
	const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
	if (!match) return null;
	const date = new Date(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
	return Number.isNaN(date.getTime()) ? null : date;
}

/** The first instant of a local day given as `YYYY-MM-DD`, in RFC 3339 ('' when day is not one). */
export function dayStart(day: string): string {
	const date = localDay(day);
	return date ? toRFC3339(date) : '';
}

/** The last second of a local day given as `YYYY-MM-DD`, in RFC 3339 ('' when day is not one). */
export function dayEnd(day: string): string {
	const date = localDay(day);
	if (!date) return '';
	date.setDate(date.getDate() + 1);
	return toRFC3339(new Date(date.getTime() - 1000));
}

/** The local day (`YYYY-MM-DD`) of an RFC 3339 time, for a date input ('' when not a time). */
export function toDay(iso: string): string {
	const date = new Date(iso);
	if (!iso || Number.isNaN(date.getTime())) return '';
	return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

const browsers: [string, RegExp][] = [
	['Edge', /Edg\//],
	['Opera', /OPR\//],
	['Firefox', /Firefox\//],
	['Chromium', /Chromium\//],
	['Chrome', /Chrome\//],
	['Safari', /Safari\//]
];
const systems: [string, RegExp][] = [
	['Android', /Android/],
	['iOS', /iPhone|iPad/],
	['Windows', /Windows/],
	['macOS', /Mac OS X|Macintosh/],
	['Linux', /Linux/]
];
const firstMatch = (names: [string, RegExp][], text: string) =>
	names.find(([, pattern]) => pattern.test(text))?.[0] ?? '';

/** A short "browser · system" for a session's user agent; the raw text when nothing is recognised. */
export function describeUserAgent(userAgent: string): string {
	const short = [firstMatch(browsers, userAgent), firstMatch(systems, userAgent)].filter(Boolean).join(' · ');
	return short || userAgent;
}

/** The number of pages a list of total items needs, at least one. */
export function pageCount(total: number, perPage: number): number {
	return Math.max(1, Math.ceil(total / Math.max(1, perPage)));
}

/** A positive page number from a query value, 1 when absent or malformed. */
export function pageParam(value: string | null): number {
	const page = Number(value);
	return Number.isInteger(page) && page >= 1 ? page : 1;
}

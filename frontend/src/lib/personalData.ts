/**
 * Text that looks like personal data in a pseudonymous case file, found while it is typed.
 * The server's detector (store/personaldata.go) finds the same kinds in the same text: both
 * run the samples of store/testdata/personal_data.json (tests/unit/personalData.test.ts).
 */

/** The kinds, in the order a warning names them (the server's reason is contains_<kind>). */
export const personalDataKinds = ['email', 'phone', 'nir', 'iban'] as const;
export type PersonalDataKind = (typeof personalDataKinds)[number];

/** One piece of flagged text: its kind and where it sits in the text (UTF-16 offsets). */
export interface PersonalDataMatch {
	kind: PersonalDataKind;
	start: number;
	end: number;
}

// The same candidates as the server's; what they match is then checked (a key, a digit
// count) so that dates, amounts and references raise no false alarm. Spaces include the
// no-break spaces French typing puts between digit groups.
const emailPattern = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g;
const ibanPattern = /\b[A-Za-z]{2}\d{2}(?:[ \u00A0\u202F]?[A-Za-z0-9]{4}){2,7}(?:[ \u00A0\u202F]?[A-Za-z0-9]{1,3})?\b/g;
const nirPattern =
	/\b[1-478][ \u00A0\u202F.]?\d{2}[ \u00A0\u202F.]?\d{2}[ \u00A0\u202F.]?(?:\d{2}|2[AaBb])[ \u00A0\u202F.]?\d{3}[ \u00A0\u202F.]?\d{3}[ \u00A0\u202F.]?\d{2}\b/g;
// A whole run of digits set apart by single spaces, dots, slashes or dashes (an international
// "(0)" included), so that the tail of a longer number is never read as a phone number.
const phonePattern = /(?:\+|\b)\d(?:[ \u00A0\u202F./-]?\d|[ \u00A0\u202F]?\(0\)[ \u00A0\u202F]?\d)*\b/g;

/** The remainder by 97 of a long number written in digits. */
function mod97(digits: string): number {
	let rest = 0;
	for (const digit of digits) rest = (rest * 10 + Number(digit)) % 97;
	return rest;
}

/** An IBAN's length and check digits (ISO 13616: the first four moved to the end, letters as 10 to 35). */
function validIBAN(match: string): boolean {
	const compact = match.replace(/[ \u00A0\u202F]/g, '').toUpperCase();
	if (compact.length < 15 || compact.length > 34) return false;
	const moved = compact.slice(4) + compact.slice(0, 4);
	const digits = [...moved].map((c) => (c >= 'A' && c <= 'Z' ? String(c.charCodeAt(0) - 55) : c)).join('');
	return mod97(digits) === 1;
}

/** A social security number's key: 97 minus the first 13 digits mod 97 (Corsica's 2A, 2B as 19, 18). */
function validNIR(match: string): boolean {
	const digits = match.toUpperCase().replace('2A', '19').replace('2B', '18').replace(/\D/g, '');
	if (digits.length !== 15) return false;
	return 97 - mod97(digits.slice(0, 13)) === Number(digits.slice(13));
}

/**
 * A run that starts like a phone number, international (+33, 0041…) or national (0 then the
 * area: French, Swiss, German), has its number of digits and sets its groups apart one way.
 */
function validPhone(match: string): boolean {
	const number = match.replace('(0)', ' ');
	let digits = number.replace(/\D/g, '');
	if (match.startsWith('+') || match.startsWith('00')) {
		if (digits.startsWith('00')) digits = digits.slice(2);
		if (digits.length < 9 || digits.length > 15) return false;
	} else if (digits.length < 10 || digits.length > 12 || digits[0] !== '0' || digits[1] === '0') {
		return false;
	}
	// Spaces, or one punctuation mark, or spaces with a slash or dash after the area code.
	const separators = new Set([...number.replace(/[+\d]/g, '').replace(/[\u00A0\u202F]/g, ' ')]);
	if (separators.size <= 1) return true;
	return separators.size === 2 && separators.has(' ') && (separators.has('/') || separators.has('-'));
}

const checks: [PersonalDataKind, RegExp, (match: string) => boolean][] = [
	['email', emailPattern, () => true],
	['iban', ibanPattern, validIBAN],
	['nir', nirPattern, validNIR],
	['phone', phonePattern, validPhone]
];

/**
 * Every piece of text that looks like personal data, in the order it appears. A number taken
 * as an e-mail address, an IBAN or a social security number is not taken again as a phone.
 */
export function findPersonalData(text: string): PersonalDataMatch[] {
	const found: PersonalDataMatch[] = [];
	let rest = text;
	for (const [kind, pattern, valid] of checks) {
		rest = rest.replace(pattern, (match: string, offset: number) => {
			if (!valid(match)) return match;
			found.push({ kind, start: offset, end: offset + match.length });
			// Blanked to the same length, so later offsets still point into the text.
			return ' '.repeat(match.length);
		});
	}
	return found.sort((a, b) => a.start - b.start);
}

/** The kinds found in text, each once, in the order of personalDataKinds. */
export function kindsOf(matches: PersonalDataMatch[]): PersonalDataKind[] {
	return personalDataKinds.filter((kind) => matches.some((match) => match.kind === kind));
}

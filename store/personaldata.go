package store

import (
	"regexp"
	"strconv"
	"strings"
)

// The kinds of personal data that have no place in a pseudonymous case file,
// in the order a field's warning names them. The SPA's detector
// (frontend/src/lib/personalData.ts) finds the same kinds in the same text:
// both run the samples of store/testdata/personal_data.json.
const (
	kindEmail = "email"
	kindPhone = "phone"
	kindNIR   = "nir"
	kindIBAN  = "iban"
)

// Candidates; what a pattern matches is then checked (a key, a digit count)
// so that dates, amounts and references do not raise false alarms. Spaces
// include the no-break spaces French typing puts between digit groups.
var (
	emailPattern = regexp.MustCompile(`[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}`)
	// An IBAN: country, two check digits, then groups of four, spaced or not.
	ibanPattern = regexp.MustCompile(`\b[A-Za-z]{2}\d{2}(?:[ \x{00A0}\x{202F}]?[A-Za-z0-9]{4}){2,7}(?:[ \x{00A0}\x{202F}]?[A-Za-z0-9]{1,3})?\b`)
	// A French social security number: sex, year, month, department (2A and
	// 2B for Corsica), commune, order, then the two-digit key.
	nirPattern = regexp.MustCompile(`\b[1-478][ \x{00A0}\x{202F}.]?\d{2}[ \x{00A0}\x{202F}.]?\d{2}[ \x{00A0}\x{202F}.]?(?:\d{2}|2[AaBb])[ \x{00A0}\x{202F}.]?\d{3}[ \x{00A0}\x{202F}.]?\d{3}[ \x{00A0}\x{202F}.]?\d{2}\b`)
	// A run of digits set apart by single spaces, dots, slashes or dashes (an
	// international "(0)" included), taken whole so that the tail of a longer
	// number is never read as a phone number: validPhone then judges it.
	phonePattern = regexp.MustCompile(`(?:\+|\b)\d(?:[ \x{00A0}\x{202F}./-]?\d|[ \x{00A0}\x{202F}]?\(0\)[ \x{00A0}\x{202F}]?\d)*\b`)
	nonDigit     = regexp.MustCompile(`\D`)
)

// personalDataKinds names every kind of personal data found in text, in the
// order of the kinds above, each once. A number taken as an IBAN or a social
// security number is not taken again as a phone number.
//
// A pattern is run only on a text that holds what any match it accepts
// needs: an @ for an e-mail address; for the others, ASCII digits (\d):
// two for an IBAN's check digits, nine for a phone number, fourteen for a
// social security number. Most fields hold too few, and running the four
// patterns over every field of a new case file was a tenth of a create's
// CPU.
func personalDataKinds(text string) []string {
	var kinds []string
	if strings.IndexByte(text, '@') >= 0 && emailPattern.MatchString(text) {
		kinds = append(kinds, kindEmail)
		text = emailPattern.ReplaceAllStringFunc(text, blank)
	}
	digits := 0
	for i := 0; i < len(text) && digits < minNIRDigits; i++ {
		if '0' <= text[i] && text[i] <= '9' {
			digits++
		}
	}
	found := map[string]bool{}
	if digits >= minIBANDigits {
		text = maskValid(text, ibanPattern, validIBAN, func() { found[kindIBAN] = true })
	}
	if digits >= minNIRDigits {
		text = maskValid(text, nirPattern, validNIR, func() { found[kindNIR] = true })
	}
	if digits >= minPhoneDigits {
		maskValid(text, phonePattern, validPhone, func() { found[kindPhone] = true })
	}
	for _, kind := range []string{kindPhone, kindNIR, kindIBAN} {
		if found[kind] {
			kinds = append(kinds, kind)
		}
	}
	return kinds
}

// The fewest ASCII digits a match of each kind holds: an IBAN's two check
// digits, a phone number's nine (validPhone, after an international
// prefix), a social security number's fourteen (nirPattern, Corsica's
// 2A or 2B holding one).
const (
	minIBANDigits  = 2
	minPhoneDigits = 9
	minNIRDigits   = 14
)

// maskValid blanks out in text every match of pattern that valid accepts,
// calling hit for each, and answers the text left.
func maskValid(text string, pattern *regexp.Regexp, valid func(string) bool, hit func()) string {
	return pattern.ReplaceAllStringFunc(text, func(match string) string {
		if !valid(match) {
			return match
		}
		hit()
		return blank(match)
	})
}

// blank stands for a match taken: as long as it, so that what was around it
// is not joined into one number (the SPA blanks alike).
func blank(match string) string {
	return strings.Repeat(" ", len(match))
}

// mod97 answers the remainder by 97 of a long number written in digits.
func mod97(digits string) int {
	r := 0
	for _, d := range digits {
		r = (r*10 + int(d-'0')) % 97
	}
	return r
}

// validIBAN checks an IBAN's length and its check digits (ISO 13616: the
// country and check digits moved to the end, letters as 10 to 35, mod 97 is 1).
func validIBAN(match string) bool {
	compact := strings.ToUpper(strings.Map(func(r rune) rune {
		if r == ' ' || r == '\u00A0' || r == '\u202F' {
			return -1
		}
		return r
	}, match))
	if len(compact) < 15 || len(compact) > 34 {
		return false
	}
	var digits strings.Builder
	for _, r := range compact[4:] + compact[:4] {
		if r >= 'A' && r <= 'Z' {
			digits.WriteString(strconv.Itoa(int(r-'A') + 10))
		} else {
			digits.WriteRune(r)
		}
	}
	return mod97(digits.String()) == 1
}

// validNIR checks a social security number's key: 97 minus the first 13
// digits mod 97, with Corsica's 2A and 2B counted as 19 and 18.
func validNIR(match string) bool {
	upper := strings.ToUpper(match)
	upper = strings.Replace(upper, "2A", "19", 1)
	upper = strings.Replace(upper, "2B", "18", 1)
	digits := nonDigit.ReplaceAllString(upper, "")
	if len(digits) != 15 {
		return false
	}
	key := int(digits[13]-'0')*10 + int(digits[14]-'0')
	return 97-mod97(digits[:13]) == key
}

// validPhone keeps the runs that start like a phone number, international
// (+33, 0041…) or national (0 then the area: French, Swiss, German), have
// its number of digits, and set their groups apart one way (a date range
// such as 01.01.2024-31.12.2024 is not a phone number).
func validPhone(match string) bool {
	number := strings.Replace(match, "(0)", " ", 1)
	digits := nonDigit.ReplaceAllString(number, "")
	switch {
	case strings.HasPrefix(match, "+") || strings.HasPrefix(match, "00"):
		digits = strings.TrimPrefix(digits, "00")
		if len(digits) < 9 || len(digits) > 15 {
			return false
		}
	case len(digits) < 10 || len(digits) > 12 || digits[0] != '0' || digits[1] == '0':
		return false
	}
	// One way to set groups apart: spaces, or one punctuation mark, or
	// spaces with a slash or a dash after the area code (030/123 45 67).
	separators := ""
	for _, r := range number {
		switch {
		case r == '+' || (r >= '0' && r <= '9'):
		case r == '\u00A0' || r == '\u202F':
			r = ' '
			fallthrough
		default:
			if !strings.ContainsRune(separators, r) {
				separators += string(r)
			}
		}
	}
	switch len(separators) {
	case 0, 1:
		return true
	case 2:
		return strings.Contains(separators, " ") && strings.ContainsAny(separators, "/-")
	}
	return false
}

// screen flags free text that looks like personal data. It returns the
// warnings by field, each naming the first kind found (contains_email,
// contains_phone, contains_nir, contains_iban); when the instance refuses
// personal data, the same findings are a ValidationError instead.
func (s *Store) screen(fields map[string]string) (map[string]string, error) {
	found := map[string]string{}
	for name, text := range fields {
		if kinds := personalDataKinds(text); len(kinds) > 0 {
			found[name] = "contains_" + kinds[0]
		}
	}
	if len(found) == 0 {
		return nil, nil
	}
	if s.policy.RefusePersonalData {
		return nil, &ValidationError{Fields: found}
	}
	return found, nil
}

package store

import "regexp"

// Patterns of personal data that have no place in a pseudonymous case file.
var (
	emailPattern = regexp.MustCompile(`[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}`)
	// French numbers (06 12 34 56 78, +33 6 12 34 56 78) and other
	// international ones (+41 21 123 45 67).
	phonePattern = regexp.MustCompile(`(?:(?:\+|00)33[\s.-]?|\b0)[1-9](?:[\s.-]?\d{2}){4}\b|\+\d{2,3}[\s.-]?\d{1,3}(?:[\s.-]?\d{2,4}){2,4}\b`)
)

// screen flags free text that looks like an e-mail address or a phone
// number. It returns the warnings by field; when the instance refuses
// personal data, the same findings are a ValidationError instead.
func (s *Store) screen(fields map[string]string) (map[string]string, error) {
	found := map[string]string{}
	for name, text := range fields {
		switch {
		case emailPattern.MatchString(text):
			found[name] = "contains_email"
		case phonePattern.MatchString(text):
			found[name] = "contains_phone"
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

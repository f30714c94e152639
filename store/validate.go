package store

import (
	"errors"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/go-playground/validator/v10"

	"cloison/store/passwords"
)

// validate is the one validator: its tags are the rules for every input the
// store accepts, whether it comes from the API, the command line or a test.
// It is built once and only read afterwards.
var validate = newValidator()

func newValidator() *validator.Validate {
	v := validator.New(validator.WithRequiredStructEnabled())
	// Report fields by their JSON names, which is what the API and the SPA use.
	v.RegisterTagNameFunc(func(f reflect.StructField) string {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			return ""
		}
		return name
	})
	_ = v.RegisterValidation("password", func(fl validator.FieldLevel) bool {
		return passwords.Check(fl.Field().String()) == ""
	})
	// The form of a language code; whether the instance speaks it is the
	// store's Policy.Locales (checkLocale).
	_ = v.RegisterValidation("locale", func(fl validator.FieldLevel) bool {
		return localeCode.MatchString(fl.Field().String())
	})
	_ = v.RegisterValidation("role", func(fl validator.FieldLevel) bool { return IsRole(fl.Field().String()) })
	_ = v.RegisterValidation("trimmed", func(fl validator.FieldLevel) bool {
		return strings.TrimSpace(fl.Field().String()) != ""
	})
	// singleline and multiline refuse the control characters (NUL, escape
	// sequences...) that no name, code or address holds and that would
	// travel into e-mails, PDF reports and logs; multiline keeps line
	// breaks and tabs.
	_ = v.RegisterValidation("singleline", func(fl validator.FieldLevel) bool { return plainText(fl.Field().String(), false) })
	_ = v.RegisterValidation("multiline", func(fl validator.FieldLevel) bool { return plainText(fl.Field().String(), true) })
	return v
}

var localeCode = regexp.MustCompile(`^[a-z]{2,3}$`)

// checkLocale is check(v), plus a refusal of a locale (the one v carries)
// that the instance does not speak.
func (s *Store) checkLocale(v any, locale string) error {
	err := check(v)
	if locale == "" || len(s.policy.Locales) == 0 || slices.Contains(s.policy.Locales, locale) {
		return err
	}
	var ve *ValidationError
	if err == nil {
		return Invalid("locale", "locale")
	}
	if errors.As(err, &ve) {
		if _, ok := ve.Fields["locale"]; !ok {
			ve.Fields["locale"] = "locale"
		}
	}
	return err
}

// Check holds an input that no store method takes (the server's own) to the
// same rules and reasons as the store's: its validate tags.
func Check(v any) error { return check(v) }

// plainText tells whether s is valid UTF-8 without control characters
// (line breaks and tabs allowed when multiline).
func plainText(s string, multiline bool) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if multiline && (r == '\n' || r == '\r' || r == '\t') {
			continue
		}
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return false
		}
	}
	return true
}

// check validates s and turns the validator's errors into a ValidationError
// whose reasons are short codes ("required", "email", "min=10", ...).
func check(s any) error {
	err := validate.Struct(s)
	var verrs validator.ValidationErrors
	if !errors.As(err, &verrs) {
		return err
	}
	fields := make(map[string]string, len(verrs))
	for _, fe := range verrs {
		reason := fe.Tag()
		switch {
		case reason == "password":
			reason = passwords.Check(fe.Value().(string))
		case reason == "trimmed":
			reason = "required"
		case reason == "singleline" || reason == "multiline":
			reason = "invalid_characters"
		case fe.Param() != "":
			reason += "=" + fe.Param()
		}
		name := fe.Field()
		if _, seen := fields[name]; !seen {
			fields[name] = reason
		}
	}
	return &ValidationError{Fields: fields}
}

// invalidFields gathers the reasons of several checks into one
// ValidationError, so that a form learns of every invalid field at once.
type invalidFields map[string]string

// add records the fields of a ValidationError; any other error is
// returned as it is.
func (f invalidFields) add(err error) error {
	var ve *ValidationError
	if errors.As(err, &ve) {
		for k, v := range ve.Fields {
			f.set(k, v)
		}
		return nil
	}
	return err
}

// set records the first reason given for field.
func (f invalidFields) set(field, reason string) {
	if _, seen := f[field]; !seen {
		f[field] = reason
	}
}

// err is the ValidationError of the fields gathered, or nil.
func (f invalidFields) err() error {
	if len(f) == 0 {
		return nil
	}
	return &ValidationError{Fields: f}
}

package store

import (
	"errors"
	"reflect"
	"regexp"
	"slices"
	"strings"

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

package engine

import (
	"database/sql"
	"fmt"
	"time"
)

// Times are stored as text in the form bun writes them; the statements
// prepared here, which bun does not format, bind the same text so that
// stored times compare and sort alike whichever way they were written.
const sqlTime = "2006-01-02 15:04:05.999999-07:00"

// BindArgs turns the times among args (time.Time and *time.Time, nil for
// NULL) into the text the engine stores, in place, and returns args.
func BindArgs(args []any) []any {
	for i, a := range args {
		switch v := a.(type) {
		case time.Time:
			args[i] = v.UTC().Format(sqlTime)
		case *time.Time:
			if v == nil {
				args[i] = nil
			} else {
				args[i] = v.UTC().Format(sqlTime)
			}
		}
	}
	return args
}

// ScanTime is a scan destination for a time selected as +column: the unary
// plus takes away the column's declared type, so the driver hands the text
// over instead of trying its list of layouts (the first of which never fits
// what the store writes), which was a sixth of the cost of a list. It is
// read here with the one layout the store writes, in UTC.
func ScanTime(t *time.Time) sql.Scanner { return timeText{t} }

// ScanTimeOrNil is ScanTime for a column that may be NULL.
func ScanTimeOrNil(t **time.Time) sql.Scanner { return timeTextOrNil{t} }

type timeText struct{ t *time.Time }

// Scan implements sql.Scanner.
func (x timeText) Scan(src any) error {
	t, ok, err := parseTimeValue(src)
	if err != nil || !ok {
		return err
	}
	*x.t = t
	return nil
}

type timeTextOrNil struct{ t **time.Time }

// Scan implements sql.Scanner.
func (x timeTextOrNil) Scan(src any) error {
	t, ok, err := parseTimeValue(src)
	if err != nil {
		return err
	}
	*x.t = nil
	if ok {
		*x.t = &t
	}
	return nil
}

func parseTimeValue(src any) (time.Time, bool, error) {
	var text string
	switch v := src.(type) {
	case nil:
		return time.Time{}, false, nil
	case time.Time:
		return v.UTC(), true, nil
	case string:
		text = v
	case []byte:
		text = string(v)
	default:
		return time.Time{}, false, fmt.Errorf("engine: a time read as %T", src)
	}
	if t, ok := parseUTCText(text); ok {
		return t, true, nil
	}
	t, err := time.Parse(sqlTime, text)
	if err != nil {
		if t, err = time.Parse(time.RFC3339Nano, text); err != nil {
			return time.Time{}, false, fmt.Errorf("engine: a time read as %q", text)
		}
	}
	return t.UTC(), true, nil
}

// parseUTCText reads the layout the store writes its UTC times in,
// "2006-01-02 15:04:05.999+00:00" (any number of fractional digits), by
// position: a list reads two times per row, and time.Parse showed in its
// profile. Anything else is left to time.Parse (ok false).
func parseUTCText(s string) (time.Time, bool) {
	n := len(s)
	if n < 25 || s[4] != '-' || s[7] != '-' || s[10] != ' ' || s[13] != ':' || s[16] != ':' || s[n-6:] != "+00:00" {
		return time.Time{}, false
	}
	num := func(from, to int) (int, bool) {
		v := 0
		for i := from; i < to; i++ {
			c := s[i]
			if c < '0' || c > '9' {
				return 0, false
			}
			v = v*10 + int(c-'0')
		}
		return v, true
	}
	year, ok1 := num(0, 4)
	month, ok2 := num(5, 7)
	day, ok3 := num(8, 10)
	hour, ok4 := num(11, 13)
	minute, ok5 := num(14, 16)
	sec, ok6 := num(17, 19)
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) || month < 1 || month > 12 || day < 1 || day > 31 ||
		hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, false
	}
	nsec := 0
	if rest := s[19 : n-6]; rest != "" {
		if rest[0] != '.' || len(rest) < 2 || len(rest) > 10 {
			return time.Time{}, false
		}
		frac, ok := num(20, n-6)
		if !ok {
			return time.Time{}, false
		}
		for i := len(rest) - 1; i < 9; i++ {
			frac *= 10
		}
		nsec = frac
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, nsec, time.UTC)
	if t.Day() != day { // 31 February and the like
		return time.Time{}, false
	}
	return t, true
}

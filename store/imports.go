package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/uptrace/bun"
)

// Imports (DESIGN.md, "import"): a scope's keepers upload a CSV of
// memberships keyed by an external identifier. The first step is always a
// dry run that says, line by line, what would happen; applying plans the
// stored lines again in the write transaction and goes on only if it finds
// exactly what was previewed, then makes every change through the same
// functions as the membership API (addMember, updateMembership,
// endMembership), in that one transaction.
//
// Decisions, documented in the README:
//   - a membership without an external identifier (given by hand) is never
//     ended by an import; a line whose person already holds that role in
//     that scope by hand adopts it (the line is "updated", external_id
//     being the change);
//   - an external identifier names one membership not over within an
//     organisation (the organisation itself and its units);
//   - a name's line breaks and runs of blanks read as one space;
//   - a file with any line in error can be previewed, not applied;
//   - a cell that starts like a spreadsheet formula (= + - @) is refused;
//   - a new dry run of a scope supersedes its unapplied ones.

// Import statuses.
const (
	ImportDryRun     = "dry_run"
	ImportApplied    = "applied"
	ImportSuperseded = "superseded"
)

// Fates of an import's lines.
const (
	FateCreated   = "created"
	FateUpdated   = "updated"
	FateUnchanged = "unchanged"
	FateEnded     = "ended"
	FateError     = "error"
)

// Fates are the fates an import's line may have.
var Fates = []string{FateCreated, FateUpdated, FateUnchanged, FateEnded, FateError}

// MaxImportBytes bounds an imported file.
const MaxImportBytes = 5 << 20

// maxImportLines bounds the lines of an imported file.
const maxImportLines = 20000

// ImportColumns are the columns of an import file, in the order a line's
// first error is named; the header names them, in any order.
var ImportColumns = []string{"external_id", "email", "name", "unit_code", "role", "functions", "valid_from", "valid_until"}

var requiredColumns = []string{"external_id", "email", "role"}

// Errors of the import API.
var (
	errImportApplied    = Coded(ErrConflict, "import_applied")
	errImportSuperseded = Coded(ErrConflict, "import_superseded")
	errImportStale      = Coded(ErrConflict, "import_stale")
	errImportHasErrors  = Coded(ErrConflict, "import_has_errors")
)

// TooLargeError refuses a file over its size limit, naming its field.
type TooLargeError struct {
	Field string
	Max   int64
}

func (e *TooLargeError) Error() string { return fmt.Sprintf("%s: over %d bytes", e.Field, e.Max) }

// Import is an import run: a file previewed for a scope, then perhaps applied.
type Import struct {
	bun.BaseModel `bun:"table:imports,alias:im"`

	ID        string `bun:"id,pk" json:"id"`
	ScopeType string `bun:"scope_type" json:"scope_type"`
	ScopeID   string `bun:"scope_id" json:"scope_id"`
	OrgID     string `bun:"org_id" json:"org_id"`
	AuthorID  string `bun:"author_id" json:"author_id"`
	Status    string `bun:"status" json:"status"`
	Filename  string `bun:"filename" json:"filename"`
	SHA256    string `bun:"sha256" json:"sha256"`
	PlanHash  string `bun:"plan_hash" json:"-"`
	Lines     int    `bun:"lines" json:"-"`
	Created   int    `bun:"created" json:"-"`
	Updated   int    `bun:"updated" json:"-"`
	Unchanged int    `bun:"unchanged" json:"-"`
	Ended     int    `bun:"ended" json:"-"`
	Errors    int    `bun:"errors" json:"-"`
	// ScopeMemberships are the scope's memberships not over at the preview.
	ScopeMemberships int        `bun:"scope_memberships" json:"scope_memberships"`
	CreatedAt        time.Time  `bun:"created_at" json:"created_at"`
	AppliedAt        *time.Time `bun:"applied_at" json:"applied_at"`
}

// needsConfirmEnding tells whether applying the run ends more than a fifth
// of the scope's memberships.
func (im *Import) needsConfirmEnding() bool {
	return im.Ended > 0 && im.Ended*5 > im.ScopeMemberships
}

// ImportCounts count an import's lines by fate; Lines are the file's lines.
type ImportCounts struct {
	Lines     int `json:"lines"`
	Created   int `json:"created"`
	Updated   int `json:"updated"`
	Unchanged int `json:"unchanged"`
	Ended     int `json:"ended"`
	Error     int `json:"error"`
}

// FieldChange is a field an import changes: its value before and after.
type FieldChange struct {
	From any `json:"from"`
	To   any `json:"to"`
}

// LineError says why a line cannot be imported: the column (a field of the
// file) and a machine reason ("required", "email", "unknown_unit",
// "duplicate", "after_valid_from", "unknown_function", "formula"…).
type LineError struct {
	Column string `json:"column"`
	Reason string `json:"reason"`
}

// importCells are a line's cells as read, trimmed.
type importCells struct {
	ExternalID string `json:"external_id"`
	Email      string `json:"email"`
	Name       string `json:"name"`
	UnitCode   string `json:"unit_code"`
	Role       string `json:"role"`
	Functions  string `json:"functions"`
	ValidFrom  string `json:"valid_from"`
	ValidUntil string `json:"valid_until"`
	// Columns is set when the line has another number of cells than the
	// header.
	Columns bool `json:"columns,omitempty"`
}

// ImportLine is a line of an import and its fate. Line is the line of the
// file where it starts (1 is the header); 0 for a membership the file ends.
type ImportLine struct {
	bun.BaseModel `bun:"table:import_lines,alias:il"`

	ImportID     string                 `bun:"import_id,pk" json:"-"`
	Seq          int                    `bun:"seq,pk" json:"-"`
	Line         int                    `bun:"line" json:"line"`
	ExternalID   string                 `bun:"external_id" json:"external_id"`
	Fate         string                 `bun:"fate" json:"fate"`
	MembershipID *string                `bun:"membership_id" json:"membership_id"`
	Email        string                 `bun:"email" json:"email"`
	Name         string                 `bun:"name" json:"name"`
	Input        importCells            `bun:"input,type:text" json:"-"`
	Changes      map[string]FieldChange `bun:"changes,type:text" json:"changes"`
	ErrorColumn  string                 `bun:"error_column" json:"-"`
	ErrorReason  string                 `bun:"error_reason" json:"-"`
	Error        *LineError             `bun:"-" json:"error,omitempty"`
}

// ImportLines are a page of an import's lines.
type ImportLines struct {
	Items   []ImportLine `json:"items"`
	Total   int64        `json:"total"`
	Page    int          `json:"page"`
	PerPage int          `json:"per_page"`
}

// ImportView is an import as the API shows it: the run, its counts, and a
// page of its lines.
type ImportView struct {
	Import
	ScopeName  string       `json:"scope_name"`
	AuthorName string       `json:"author_name"`
	Counts     ImportCounts `json:"counts"`
	// NeedsConfirmEnding: applying needs confirm_ending (more than a fifth
	// of the scope's memberships end).
	NeedsConfirmEnding bool        `json:"needs_confirm_ending"`
	LinesPage          ImportLines `json:"lines"`
}

// importRow is a line of the file, read.
type importRow struct {
	line  int
	cells importCells
}

var utf8BOM = []byte("\xEF\xBB\xBF")

// readImportCSV reads an import file: UTF-8 with or without a byte-order
// mark, comma- or semicolon-separated (whichever the header holds more
// of), fields quoted as spreadsheets quote them (commas, semicolons and
// line breaks inside), LF or CRLF lines, blank lines skipped. What cannot
// be read at all is refused naming "file".
func readImportCSV(content []byte) ([]importRow, error) {
	content = bytes.TrimPrefix(content, utf8BOM)
	if len(bytes.TrimSpace(content)) == 0 {
		return nil, Invalid("file", "empty")
	}
	if !utf8.Valid(content) || bytes.ContainsFunc(content, func(r rune) bool {
		return r == 0 || (unicode.IsControl(r) && r != '\t' && r != '\n' && r != '\r')
	}) {
		return nil, Invalid("file", "not_csv")
	}
	header, _, _ := bytes.Cut(content, []byte("\n"))
	r := csv.NewReader(bytes.NewReader(content))
	r.Comma = ','
	if bytes.Count(header, []byte(";")) > bytes.Count(header, []byte(",")) {
		r.Comma = ';'
	}
	r.FieldsPerRecord = -1
	names, err := r.Read()
	if err != nil {
		return nil, csvError(err)
	}
	cols := make([]string, len(names))
	for i, n := range names {
		n = strings.ToLower(strings.TrimSpace(n))
		switch {
		case !slices.Contains(ImportColumns, n):
			return nil, Invalid("file", "unknown_column="+cut(n, 40))
		case slices.Contains(cols, n):
			return nil, Invalid("file", "duplicate_column="+n)
		}
		cols[i] = n
	}
	for _, c := range requiredColumns {
		if !slices.Contains(cols, c) {
			return nil, Invalid("file", "missing_column="+c)
		}
	}
	var rows []importRow
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, csvError(err)
		}
		if blankRecord(rec) {
			continue
		}
		if len(rows) == maxImportLines {
			return nil, Invalid("file", fmt.Sprintf("max_lines=%d", maxImportLines))
		}
		line, _ := r.FieldPos(0)
		row := importRow{line: line, cells: importCells{Columns: len(rec) != len(cols)}}
		for i, v := range rec {
			switch {
			case i >= len(cols):
			case cols[i] == "name":
				// A name quoted over several lines reads as one line.
				row.cells.Name = strings.Join(strings.Fields(v), " ")
			default:
				*row.cells.cell(cols[i]) = strings.TrimSpace(v)
			}
		}
		rows = append(rows, row)
	}
	if len(rows) == 0 {
		return nil, Invalid("file", "empty")
	}
	return rows, nil
}

// csvError names the line where the file stops being CSV.
func csvError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return Invalid("file", fmt.Sprintf("csv_syntax=%d", pe.StartLine))
	}
	return Invalid("file", "not_csv")
}

// blankRecord tells a line with nothing but blanks, which a spreadsheet leaves at the end.
func blankRecord(rec []string) bool {
	for _, v := range rec {
		if strings.TrimSpace(v) != "" {
			return false
		}
	}
	return true
}

// cut shortens s to at most n characters.
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// cell is the cell of a column, to read or write.
func (c *importCells) cell(col string) *string {
	switch col {
	case "external_id":
		return &c.ExternalID
	case "email":
		return &c.Email
	case "name":
		return &c.Name
	case "unit_code":
		return &c.UnitCode
	case "role":
		return &c.Role
	case "functions":
		return &c.Functions
	case "valid_from":
		return &c.ValidFrom
	case "valid_until":
		return &c.ValidUntil
	}
	return new(string)
}

// formulaCell tells whether a cell would start a formula in a spreadsheet
// that opens it again (CSV injection): such cells are refused, not
// rewritten, so that what is stored is what the file said.
func formulaCell(v string) bool {
	return v != "" && strings.ContainsRune("=+-@", rune(v[0]))
}

// functionList splits a functions cell: codes separated by "|" or ","
// (a comma inside a quoted cell of a comma-separated file).
func functionList(v string) []string {
	out := []string{}
	for _, f := range strings.FieldsFunc(v, func(r rune) bool { return r == '|' || r == ',' }) {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, strings.ToLower(f))
		}
	}
	return out
}

var dayFirst = regexp.MustCompile(`^(\d{1,2})[./](\d{1,2})[./](\d{4})$`)

// importDate reads a date cell: YYYY-MM-DD or an RFC 3339 time as the API
// takes them, or a day first as French and German spreadsheets write it
// (31/12/2026, 31.12.2026).
func importDate(v string) string {
	if m := dayFirst.FindStringSubmatch(v); m != nil {
		return fmt.Sprintf("%s-%02s-%02s", m[3], m[2], m[1])
	}
	return v
}

// importMember is a membership not over in the import's organisation.
type importMember struct {
	Membership `bun:",extend"`
	EmailKey   string `bun:"email_key"`
	Email      string `bun:"account_email"`
	Name       string `bun:"account_name"`
}

// person is who holds the membership, as e-mails are compared.
func (m *importMember) person() string {
	if m.AccountID != nil {
		return m.EmailKey
	}
	return m.InvitedEmail
}

func (m *importMember) email() string {
	if m.AccountID != nil {
		return m.Email
	}
	return m.InvitedEmail
}

// scopeID is the organisation or unit the membership belongs to.
func (m *importMember) scopeID() string {
	if m.UnitID != nil {
		return *m.UnitID
	}
	return *m.OrgID
}

// plannedLine is a line's fate and what applying it does.
type plannedLine struct {
	ImportLine
	target *scopeRef
	add    *appointment
	change *MembershipChange
	adopt  bool
}

// importPlan is what a file does to a scope now.
type importPlan struct {
	lines            []plannedLine
	scopeMemberships int
	counts           ImportCounts
	hash             string
}

// importReason is the reason an import's changes carry in the audit log:
// it names the import.
func importReason(id string) string { return "Import " + id }

// planImport works out, without changing anything, what the rows do to the
// scope t as sc would apply them, reading db.
func (s *Store) planImport(ctx context.Context, db bun.IDB, sc *Scope, t *scopeRef, importID string, rows []importRow) (*importPlan, error) {
	now := s.now()
	reason := importReason(importID)
	// The organisation's units, by code (an organisation's import reaches
	// them all; a unit's, itself only).
	var units []struct {
		ID   string `bun:"id"`
		Code string `bun:"code"`
	}
	q := db.NewSelect().TableExpr("units").ColumnExpr("id, code").Where("status <> ?", ScopeClosed)
	if t.Type == ScopeTypeOrg {
		q = q.Where("org_id = ?", t.OrgID)
	} else {
		q = q.Where("id = ?", t.UnitID)
	}
	if err := q.Scan(ctx, &units); err != nil {
		return nil, err
	}
	unitByCode := map[string]string{}
	for _, u := range units {
		unitByCode[strings.ToUpper(u.Code)] = u.ID
	}
	targets := map[string]*scopeRef{t.ID: t}
	targetOf := func(unitID string) (*scopeRef, error) {
		if r := targets[unitID]; r != nil {
			return r, nil
		}
		r, err := loadScopeRef(ctx, db, ScopeTypeUnit, unitID)
		targets[unitID] = r
		return r, err
	}
	// Every membership not over in the organisation.
	var current []importMember
	if err := db.NewSelect().Model(&current).ColumnExpr("m.*").
		ColumnExpr("coalesce(a.email_key, '') AS email_key, coalesce(a.email, '') AS account_email, coalesce(a.name, '') AS account_name").
		Join("LEFT JOIN accounts AS a ON a.id = m.account_id").
		Join("LEFT JOIN units AS u ON u.id = m.unit_id").
		Where("(m.org_id = ? OR u.org_id = ?)", t.OrgID, t.OrgID).
		Where("(m.valid_until IS NULL OR m.valid_until > ?)", now).
		OrderExpr("m.created_at, m.id").Scan(ctx); err != nil {
		return nil, err
	}
	inScope := func(m *importMember) bool {
		return t.Type == ScopeTypeOrg || (m.UnitID != nil && *m.UnitID == t.UnitID)
	}
	plan := &importPlan{}
	byExt := map[string]*importMember{}
	byPerson := map[string][]*importMember{}
	for i := range current {
		m := &current[i]
		if inScope(m) {
			plan.scopeMemberships++
		}
		if m.ExternalID != nil {
			byExt[*m.ExternalID] = m
		}
		key := m.scopeID() + "|" + m.Role + "|" + m.person()
		byPerson[key] = append(byPerson[key], m)
	}
	seenExt := map[string]bool{}
	taken := map[string]bool{} // membership ids a line already took
	adding := map[string]bool{}
	for _, row := range rows {
		pl := plannedLine{ImportLine: ImportLine{ImportID: importID, Line: row.line, ExternalID: row.cells.ExternalID,
			Email: row.cells.Email, Name: row.cells.Name, Input: row.cells, Changes: map[string]FieldChange{}}}
		col, why, err := s.planLine(ctx, db, sc, t, &pl, row.cells, reason, planState{unitByCode: unitByCode, targetOf: targetOf,
			byExt: byExt, byPerson: byPerson, inScope: inScope, seenExt: seenExt, taken: taken, adding: adding})
		if err != nil {
			return nil, err
		}
		if col != "" {
			pl.Fate, pl.ErrorColumn, pl.ErrorReason = FateError, col, why
			pl.Changes, pl.target, pl.add, pl.change, pl.MembershipID = map[string]FieldChange{}, nil, nil, nil, nil
		}
		plan.lines = append(plan.lines, pl)
	}
	// What the file leaves out ends: the memberships of the scope an import
	// gave an identifier to, that no line names.
	for i := range current {
		m := &current[i]
		if m.ExternalID == nil || !inScope(m) || seenExt[*m.ExternalID] || taken[m.ID] {
			continue
		}
		pl := plannedLine{ImportLine: ImportLine{ImportID: importID, ExternalID: *m.ExternalID, Fate: FateEnded, MembershipID: &m.ID,
			Email: m.email(), Name: m.Name, Changes: map[string]FieldChange{"valid_until": {From: m.ValidUntil, To: "now"}}}}
		target, err := targetOf(m.scopeID())
		if err != nil {
			return nil, err
		}
		if err := mayAppoint(sc, target, m.Role); err != nil {
			pl.Fate, pl.ErrorColumn, pl.ErrorReason, pl.Changes = FateError, "role", "forbidden", map[string]FieldChange{}
		}
		plan.lines = append(plan.lines, pl)
	}
	h := sha256.New()
	for i := range plan.lines {
		pl := &plan.lines[i]
		pl.Seq = i + 1
		if pl.ErrorColumn != "" {
			pl.Error = &LineError{Column: pl.ErrorColumn, Reason: pl.ErrorReason}
		}
		changes, _ := json.Marshal(pl.Changes)
		mid := ""
		if pl.MembershipID != nil {
			mid = *pl.MembershipID
		}
		fmt.Fprintf(h, "%d\x00%d\x00%s\x00%s\x00%s\x00%s\x00%s\x00%s\n", pl.Seq, pl.Line, pl.ExternalID, pl.Fate, mid, changes, pl.ErrorColumn, pl.ErrorReason)
		if pl.Line > 0 {
			plan.counts.Lines++
		}
		switch pl.Fate {
		case FateCreated:
			plan.counts.Created++
		case FateUpdated:
			plan.counts.Updated++
		case FateUnchanged:
			plan.counts.Unchanged++
		case FateEnded:
			plan.counts.Ended++
		case FateError:
			plan.counts.Error++
		}
	}
	plan.hash = hex.EncodeToString(h.Sum(nil))
	return plan, nil
}

// planState is what planning the lines shares from one to the next.
type planState struct {
	unitByCode map[string]string
	targetOf   func(unitID string) (*scopeRef, error)
	byExt      map[string]*importMember
	byPerson   map[string][]*importMember
	inScope    func(*importMember) bool
	seenExt    map[string]bool
	taken      map[string]bool
	adding     map[string]bool
}

// planLine works out one line's fate into pl; a line in error gives its
// column and why (err is for what is not the line's fault).
func (s *Store) planLine(ctx context.Context, db bun.IDB, sc *Scope, t *scopeRef, pl *plannedLine, c importCells, reason string, st planState) (string, string, error) {
	if c.Columns {
		return "external_id", "columns", nil
	}
	for _, col := range ImportColumns {
		if formulaCell(*c.cell(col)) {
			return col, "formula", nil
		}
	}
	ext := c.ExternalID
	switch {
	case ext == "":
		return "external_id", "required", nil
	case utf8.RuneCountInString(ext) > 100:
		return "external_id", "max=100", nil
	case strings.ContainsFunc(ext, unicode.IsControl):
		return "external_id", "singleline", nil
	case st.seenExt[ext]:
		return "external_id", "duplicate", nil
	}
	st.seenExt[ext] = true
	// The scope the line is a membership of.
	target := t
	if c.UnitCode != "" {
		id, ok := st.unitByCode[strings.ToUpper(c.UnitCode)]
		if !ok {
			return "unit_code", "unknown_unit", nil
		}
		var err error
		if target, err = st.targetOf(id); err != nil {
			return "", "", err
		}
	}
	if t.Type == ScopeTypeUnit {
		target = t
	}
	role := strings.ToLower(c.Role)
	functions := functionList(c.Functions)
	from, until := importDate(c.ValidFrom), importDate(c.ValidUntil)
	pl.target = target
	m := st.byExt[ext]
	if m != nil && !st.inScope(m) {
		return "external_id", "held_elsewhere", nil
	}
	if m != nil && m.scopeID() != target.ID {
		return "unit_code", "unit_changed", nil
	}
	if m == nil {
		// A membership given by hand to the same person, role and scope is
		// adopted: the line gives it its identifier.
		for _, h := range st.byPerson[target.ID+"|"+role+"|"+EmailKey(c.Email)] {
			if !st.taken[h.ID] {
				if h.ExternalID != nil {
					return "email", "already_member", nil
				}
				m, pl.adopt = h, true
				pl.Changes["external_id"] = FieldChange{From: nil, To: ext}
				break
			}
		}
	}
	if m == nil {
		in := NewMembership{Email: c.Email, Name: c.Name, Role: role, Functions: functions, Reason: reason, ExternalID: ext}
		if from != "" {
			in.ValidFrom = &from
		}
		if until != "" {
			in.ValidUntil = &until
		}
		a, err := s.checkNewMembership(ctx, db, target.Type, in)
		if err != nil {
			return lineError(err)
		}
		if err := mayAppoint(sc, target, role); err != nil {
			return "role", "forbidden", nil
		}
		key := target.ID + "|" + role + "|" + EmailKey(c.Email)
		if st.adding[key] {
			return "email", "duplicate", nil
		}
		st.adding[key] = true
		pl.Fate, pl.add = FateCreated, &a
		for _, col := range ImportColumns {
			if v := *c.cell(col); v != "" && col != "external_id" {
				pl.Changes[col] = FieldChange{From: nil, To: v}
			}
		}
		return "", "", nil
	}
	if EmailKey(c.Email) != m.person() {
		return "email", "email_mismatch", nil
	}
	st.taken[m.ID] = true
	pl.MembershipID = &m.ID
	pl.Email, pl.Name = m.email(), m.Name
	if pl.Name == "" {
		pl.Name = c.Name
	}
	ch := MembershipChange{Reason: reason}
	if role != m.Role {
		ch.Role = &role
		pl.Changes["role"] = FieldChange{From: m.Role, To: role}
	}
	if !sameSet(functions, m.Functions) {
		ch.Functions = &functions
		pl.Changes["functions"] = FieldChange{From: orEmpty(m.Functions), To: functions}
	}
	if from != "" {
		if d, err := mandateTime("valid_from", from); err != nil || !d.Equal(m.ValidFrom) {
			ch.ValidFrom = &from
			pl.Changes["valid_from"] = FieldChange{From: m.ValidFrom, To: from}
		}
	}
	if until == "" && m.ValidUntil != nil {
		ch.ValidUntil = &until
		pl.Changes["valid_until"] = FieldChange{From: m.ValidUntil, To: nil}
	} else if until != "" {
		if d, err := mandateTime("valid_until", until); err != nil || m.ValidUntil == nil || !d.Equal(*m.ValidUntil) {
			ch.ValidUntil = &until
			pl.Changes["valid_until"] = FieldChange{From: m.ValidUntil, To: until}
		}
	}
	newRole, _, _, _, err := s.checkMembershipChange(ctx, db, target.Type, &m.Membership, ch)
	if err != nil {
		return lineError(err)
	}
	if mayAppoint(sc, target, m.Role) != nil || mayAppoint(sc, target, newRole) != nil {
		return "role", "forbidden", nil
	}
	pl.Fate = FateUnchanged
	if len(pl.Changes) > 0 {
		pl.Fate, pl.change = FateUpdated, &ch
	}
	return "", "", nil
}

// lineError is a validation error as a line's error: its first column in
// the file's order.
func lineError(err error) (string, string, error) {
	var ve *ValidationError
	if !errors.As(err, &ve) {
		return "", "", err
	}
	for _, col := range ImportColumns {
		if why, ok := ve.Fields[col]; ok {
			return col, why, nil
		}
	}
	for col, why := range ve.Fields {
		return col, why, nil
	}
	return "", "", err
}

func sameSet(a, b []string) bool {
	return slices.Equal(slices.Compact(slices.Sorted(slices.Values(a))), slices.Compact(slices.Sorted(slices.Values(b))))
}

func orEmpty(fs []string) []string {
	if fs == nil {
		return []string{}
	}
	return fs
}

// importableScope reads the scope an import is for: its keepers may
// import, not in a centrally managed organisation but for the
// secretariat (see writableBy), and not into a closed scope.
func importableScope(ctx context.Context, db bun.IDB, sc *Scope, scopeType, scopeID string) (*scopeRef, error) {
	t, err := loadScopeRef(ctx, db, scopeType, scopeID)
	if err != nil {
		return nil, err
	}
	if err := t.writableBy(sc); err != nil {
		return nil, err
	}
	if err := mayAppointIn(sc, t); err != nil {
		return nil, err
	}
	if t.Status == ScopeClosed {
		return nil, errScopeClosed
	}
	return t, nil
}

// PreviewImport reads a CSV of memberships for an organisation (scopeType
// "org") or a unit ("unit") and records what applying it would do, line by
// line, changing no membership (a dry run). It supersedes the scope's
// previous dry runs. The scope's keepers may import (see importableScope);
// anyone who may not know the scope gets ErrNotFound.
func (s *Store) PreviewImport(ctx context.Context, actor Actor, scopeType, scopeID, filename string, content []byte, p Page) (*ImportView, error) {
	sc, err := s.actingScope(ctx, actor)
	if err != nil {
		return nil, err
	}
	if scopeType != ScopeTypeOrg && scopeType != ScopeTypeUnit {
		return nil, Invalid("scope_type", "oneof=org unit")
	}
	t, err := importableScope(ctx, s.read, sc, scopeType, scopeID)
	if err != nil {
		return nil, err
	}
	if len(content) > MaxImportBytes {
		return nil, &TooLargeError{Field: "file", Max: MaxImportBytes}
	}
	if len(content) == 0 && filename == "" {
		return nil, Invalid("file", "required")
	}
	rows, err := readImportCSV(content)
	if err != nil {
		return nil, err
	}
	id := newID()
	plan, err := s.planImport(ctx, s.read, sc, t, id, rows)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(content)
	now := s.now()
	im := &Import{ID: id, ScopeType: t.Type, ScopeID: t.ID, OrgID: t.OrgID, AuthorID: actor.ID(), Status: ImportDryRun,
		Filename: cut(filename, 255), SHA256: hex.EncodeToString(sum[:]), PlanHash: plan.hash, Lines: plan.counts.Lines,
		Created: plan.counts.Created, Updated: plan.counts.Updated, Unchanged: plan.counts.Unchanged, Ended: plan.counts.Ended,
		Errors: plan.counts.Error, ScopeMemberships: plan.scopeMemberships, CreatedAt: now}
	err = s.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewUpdate().Model((*Import)(nil)).Set("status = ?", ImportSuperseded).
			Where("scope_type = ? AND scope_id = ? AND status = ?", t.Type, t.ID, ImportDryRun).Exec(ctx); err != nil {
			return err
		}
		if _, err := tx.NewInsert().Model(im).Exec(ctx); err != nil {
			return err
		}
		const batch = 500
		for i := 0; i < len(plan.lines); i += batch {
			chunk := make([]ImportLine, 0, batch)
			for _, pl := range plan.lines[i:min(i+batch, len(plan.lines))] {
				chunk = append(chunk, pl.ImportLine)
			}
			if _, err := tx.NewInsert().Model(&chunk).Exec(ctx); err != nil {
				return err
			}
		}
		return s.appendAudit(ctx, tx, actor, t.audit(Audit{Action: "import.previewed", ObjectType: "import", ObjectID: id,
			Details: map[string]any{"sha256": im.SHA256, "counts": plan.counts}}))
	})
	if err != nil {
		return nil, err
	}
	return s.importView(ctx, s.read, im, t, "", p)
}

// readableImport reads an import its author or the secretariat may see;
// anyone else gets ErrNotFound, as for one that does not exist.
func (s *Store) readableImport(ctx context.Context, db bun.IDB, sc *Scope, actor Actor, id string) (*Import, error) {
	im := new(Import)
	if err := db.NewSelect().Model(im).Where("im.id = ?", id).Scan(ctx); err != nil {
		return nil, notFound(err)
	}
	if im.AuthorID != actor.ID() && !sc.Secretariat {
		return nil, ErrNotFound
	}
	return im, nil
}

// GetImport shows an import and a page of its lines, those of one fate
// when fate is given: to its author and the secretariat.
func (s *Store) GetImport(ctx context.Context, actor Actor, id, fate string, p Page) (*ImportView, error) {
	sc, err := s.actingScope(ctx, actor)
	if err != nil {
		return nil, err
	}
	im, err := s.readableImport(ctx, s.read, sc, actor, id)
	if err != nil {
		return nil, err
	}
	if fate != "" && !slices.Contains(Fates, fate) {
		return nil, Invalid("fate", "oneof="+strings.Join(Fates, " "))
	}
	t, err := loadScopeRef(ctx, s.read, im.ScopeType, im.ScopeID)
	if err != nil {
		return nil, err
	}
	return s.importView(ctx, s.read, im, t, fate, p)
}

// importView shows im with a page of its lines.
func (s *Store) importView(ctx context.Context, db bun.IDB, im *Import, t *scopeRef, fate string, p Page) (*ImportView, error) {
	v := &ImportView{Import: *im, ScopeName: t.Name, NeedsConfirmEnding: im.Status == ImportDryRun && im.needsConfirmEnding(),
		Counts:    ImportCounts{Lines: im.Lines, Created: im.Created, Updated: im.Updated, Unchanged: im.Unchanged, Ended: im.Ended, Error: im.Errors},
		LinesPage: ImportLines{Items: []ImportLine{}, Page: p.Page, PerPage: p.PerPage}}
	if a, err := accountByID(ctx, db, im.AuthorID); err == nil {
		v.AuthorName = a.Name
	} else if !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	q := db.NewSelect().Model(&v.LinesPage.Items).Where("il.import_id = ?", im.ID)
	if fate != "" {
		q = q.Where("il.fate = ?", fate)
	}
	n, err := q.OrderExpr("il.seq").Limit(p.limit()).Offset(p.offset()).ScanAndCount(ctx)
	if err != nil {
		return nil, err
	}
	v.LinesPage.Total = int64(n)
	for i := range v.LinesPage.Items {
		l := &v.LinesPage.Items[i]
		if l.ErrorColumn != "" {
			l.Error = &LineError{Column: l.ErrorColumn, Reason: l.ErrorReason}
		}
		if l.Changes == nil {
			l.Changes = map[string]FieldChange{}
		}
	}
	return v, nil
}

// ApplyImport applies a dry run, its author only: it plans the same lines
// again and, finding exactly what was previewed, makes every change in one
// transaction (each audited with the import's id); otherwise nothing
// (409 import_stale: preview again). A run with lines in error is not
// applied (409 import_has_errors); one that ends more than a fifth of the
// scope's memberships needs confirmEnding (422 confirm_ending).
func (s *Store) ApplyImport(ctx context.Context, actor Actor, id string, confirmEnding bool, p Page) (*ImportView, error) {
	sc, err := s.actingScope(ctx, actor)
	if err != nil {
		return nil, err
	}
	var out *ImportView
	err = s.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		im, err := s.readableImport(ctx, tx, sc, actor, id)
		if err != nil {
			return err
		}
		if im.AuthorID != actor.ID() {
			return ErrForbidden
		}
		t, err := importableScope(ctx, tx, sc, im.ScopeType, im.ScopeID)
		if err != nil {
			return err
		}
		switch im.Status {
		case ImportApplied:
			return errImportApplied
		case ImportSuperseded:
			return errImportSuperseded
		}
		if im.Errors > 0 {
			return errImportHasErrors
		}
		if im.needsConfirmEnding() && !confirmEnding {
			return Invalid("confirm_ending", "required")
		}
		var stored []ImportLine
		if err := tx.NewSelect().Model(&stored).Where("il.import_id = ? AND il.line > 0", id).OrderExpr("il.seq").Scan(ctx); err != nil {
			return err
		}
		rows := make([]importRow, len(stored))
		for i, l := range stored {
			rows[i] = importRow{line: l.Line, cells: l.Input}
		}
		plan, err := s.planImport(ctx, tx, sc, t, id, rows)
		if err != nil {
			return err
		}
		if plan.hash != im.PlanHash {
			return errImportStale
		}
		reason := importReason(id)
		for _, pl := range plan.lines {
			switch {
			case pl.add != nil:
				// Planning checked it as AddMember does (checkNewMembership,
				// mayAppoint, an open scope): it is given as AddMember gives it.
				_, err = s.appoint(ctx, tx, actor, pl.target, *pl.add, reason)
			case pl.Fate == FateUpdated:
				if pl.adopt {
					if _, err = tx.NewUpdate().Model((*Membership)(nil)).Set("external_id = ?", pl.ExternalID).
						Where("id = ?", *pl.MembershipID).Exec(ctx); err != nil {
						return err
					}
				}
				_, err = s.updateMembership(ctx, &tx, actor, *pl.MembershipID, *pl.change)
			case pl.Fate == FateEnded:
				err = s.endMembership(ctx, &tx, actor, *pl.MembershipID, reason)
			}
			if err != nil {
				return err
			}
		}
		now := s.now()
		im.Status, im.AppliedAt = ImportApplied, &now
		if _, err := tx.NewUpdate().Model(im).WherePK().Set("status = ?", im.Status).Set("applied_at = ?", now).Exec(ctx); err != nil {
			return err
		}
		if err := s.appendAudit(ctx, tx, actor, t.audit(Audit{Action: "import.applied", ObjectType: "import", ObjectID: id,
			Reason: reason, Details: map[string]any{"counts": plan.counts, "confirm_ending": confirmEnding}})); err != nil {
			return err
		}
		out, err = s.importView(ctx, tx, im, t, "", p)
		return err
	})
	return out, err
}

package store

import (
	"context"
	"encoding/json"
	"sort"
	"strings"
	"time"

	"cloison/store/engine"

	"github.com/uptrace/bun"
)

// A case file's timeline: its notes, its deadlines (and the daily e-mail
// that reminds their case managers of those coming) and its history, what
// happened to it, when and by whom.

// Note is one entry of a case file's timeline.
type Note struct {
	bun.BaseModel `bun:"table:notes"`

	ID         string    `bun:"id,pk" json:"id"`
	CaseID     string    `bun:"case_id" json:"case_id"`
	AuthorID   string    `bun:"author_id" json:"author_id"`
	AuthorName string    `bun:"author_name,scanonly" json:"author_name"`
	Body       string    `bun:"body" json:"body"`
	CreatedAt  time.Time `bun:"created_at" json:"created_at"`
}

// NewNote is a note to add.
type NewNote struct {
	Body string `json:"body" validate:"trimmed,max=20000"`
}

// ListNotes lists a visible case file's notes, oldest first.
func (s *Store) ListNotes(ctx context.Context, actor Actor, caseID string) ([]Note, error) {
	return ofVisibleCase(ctx, s, actor, caseID, s.notesOf)
}

// notesOf reads the notes of c, a case file loaded through caseFor.
func (s *Store) notesOf(ctx context.Context, c *Case) ([]Note, error) {
	out := []Note{}
	err := s.read.NewSelect().Model(&out).ColumnExpr("note.*, a.name AS author_name").
		Join("JOIN accounts AS a ON a.id = note.author_id").
		Where("note.case_id = ?", c.ID).OrderExpr("note.created_at, note.id").Scan(ctx)
	return out, err
}

// AddNote adds a note to a case file's timeline; its text becomes searchable.
func (s *Store) AddNote(ctx context.Context, actor Actor, caseID string, in NewNote) (*Note, map[string]string, error) {
	n := &Note{ID: newID(), AuthorID: actor.ID(), Body: strings.TrimSpace(in.Body), CreatedAt: s.now()}
	var warnings map[string]string
	err := s.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		c, _, err := s.writable(ctx, tx, actor, caseID)
		if err != nil {
			return err
		}
		if err := check(&in); err != nil {
			return err
		}
		if warnings, err = s.screen(map[string]string{"body": in.Body}); err != nil {
			return err
		}
		n.CaseID, n.AuthorName = c.ID, actor.Account.Name
		if err := s.insertNote(ctx, tx, n); err != nil {
			return err
		}
		if err := s.touchCase(ctx, tx, c.ID); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, actor, Audit{Action: "case.note_added", ObjectType: "case", ObjectID: c.ID, OrgID: c.auditOrg(), UnitID: c.auditUnit(), Details: map[string]any{"note": n.ID}})
	})
	return n, warnings, err
}

var sqlInsertNote = statements.Write(`INSERT INTO notes (id, case_id, author_id, body, created_at) VALUES (?, ?, ?, ?, ?)`)

// insertNote writes a note and appends its text to the case file's search
// entry, in the caller's transaction.
func (s *Store) insertNote(ctx context.Context, tx bun.IDB, n *Note) error {
	if err := s.db.Exec(ctx, tx, sqlInsertNote,
		n.ID, n.CaseID, n.AuthorID, n.Body, n.CreatedAt); err != nil {
		return err
	}
	return s.indexNote(ctx, tx, n)
}

// Deadline is a date a case file must not miss.
type Deadline struct {
	bun.BaseModel `bun:"table:deadlines"`

	ID        string    `bun:"id,pk" json:"id"`
	CaseID    string    `bun:"case_id" json:"case_id"`
	Title     string    `bun:"title" json:"title"`
	DueDate   string    `bun:"due_date" json:"due_date"`
	Done      bool      `bun:"done" json:"done"`
	CreatedBy string    `bun:"created_by" json:"created_by"`
	CreatedAt time.Time `bun:"created_at" json:"created_at"`
	UpdatedAt time.Time `bun:"updated_at" json:"updated_at"`
}

// DeadlineInput creates (all fields) or changes (some) a deadline.
type DeadlineInput struct {
	Title   *string `json:"title" validate:"omitempty,trimmed,max=200"`
	DueDate *string `json:"due_date" validate:"omitempty,datetime=2006-01-02"`
	Done    *bool   `json:"done"`
}

// ListDeadlines lists a visible case file's deadlines by due date.
func (s *Store) ListDeadlines(ctx context.Context, actor Actor, caseID string) ([]Deadline, error) {
	return ofVisibleCase(ctx, s, actor, caseID, s.deadlinesOf)
}

// deadlinesOf reads the deadlines of c, a case file loaded through caseFor.
func (s *Store) deadlinesOf(ctx context.Context, c *Case) ([]Deadline, error) {
	out := []Deadline{}
	err := s.read.NewSelect().Model(&out).Where("case_id = ?", c.ID).OrderExpr("due_date, created_at").Scan(ctx)
	return out, err
}

// AddDeadline adds a deadline to a case file.
func (s *Store) AddDeadline(ctx context.Context, actor Actor, caseID string, in DeadlineInput) (*Deadline, error) {
	var d *Deadline
	err := s.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		c, _, err := s.writable(ctx, tx, actor, caseID)
		if err != nil {
			return err
		}
		if err := check(&in); err != nil {
			return err
		}
		fields := map[string]string{}
		if in.Title == nil {
			fields["title"] = "required"
		}
		if in.DueDate == nil {
			fields["due_date"] = "required"
		}
		if len(fields) > 0 {
			return &ValidationError{Fields: fields}
		}
		// A deadline's title travels in reminder e-mails: an instance that refuses personal
		// data refuses it there too (the SPA warns while it is typed).
		if _, err := s.screen(map[string]string{"title": *in.Title}); err != nil {
			return err
		}
		now := s.now()
		d = &Deadline{ID: newID(), CaseID: c.ID, Title: strings.TrimSpace(*in.Title), DueDate: *in.DueDate, Done: in.Done != nil && *in.Done,
			CreatedBy: actor.ID(), CreatedAt: now, UpdatedAt: now}
		if _, err := tx.NewInsert().Model(d).Exec(ctx); err != nil {
			return err
		}
		if err := s.touchCase(ctx, tx, c.ID); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, actor, Audit{Action: "case.deadline_added", ObjectType: "case", ObjectID: c.ID, OrgID: c.auditOrg(), UnitID: c.auditUnit(), Details: map[string]any{"deadline": d.ID}})
	})
	return d, err
}

// UpdateDeadline changes a deadline of a case file (nil deletes it).
func (s *Store) UpdateDeadline(ctx context.Context, actor Actor, caseID, id string, in *DeadlineInput) (*Deadline, error) {
	d := new(Deadline)
	err := s.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		c, _, err := s.writable(ctx, tx, actor, caseID)
		if err != nil {
			return err
		}
		if in != nil {
			if err := check(in); err != nil {
				return err
			}
		}
		if err := tx.NewSelect().Model(d).Where("id = ? AND case_id = ?", id, c.ID).Scan(ctx); err != nil {
			return ErrNotFound
		}
		action := "case.deadline_deleted"
		if in == nil {
			if _, err := tx.NewDelete().Model(d).WherePK().Exec(ctx); err != nil {
				return err
			}
		} else {
			action = "case.deadline_updated"
			if in.Title != nil {
				if _, err := s.screen(map[string]string{"title": *in.Title}); err != nil {
					return err
				}
				d.Title = strings.TrimSpace(*in.Title)
			}
			if in.DueDate != nil {
				d.DueDate = *in.DueDate
			}
			if in.Done != nil {
				d.Done = *in.Done
			}
			d.UpdatedAt = s.now()
			if _, err := tx.NewUpdate().Model(d).WherePK().Exec(ctx); err != nil {
				return err
			}
		}
		if err := s.touchCase(ctx, tx, c.ID); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, actor, Audit{Action: action, ObjectType: "case", ObjectID: c.ID, OrgID: c.auditOrg(), UnitID: c.auditUnit(), Details: map[string]any{"deadline": d.ID}})
	})
	return d, err
}

// reminderWindow is how far ahead the daily reminder looks.
const reminderWindow = 7 * 24 * time.Hour

// SendDeadlineReminders e-mails each assignee the deadlines of their case
// files due within the next seven days, once per day: the day it last ran
// is kept in settings, so a restart does not send them twice. It reports
// how many e-mails it queued.
func (s *Store) SendDeadlineReminders(ctx context.Context) (int, error) {
	now := s.now()
	today := now.Format("2006-01-02")
	sent := 0
	err := s.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var last string
		_ = tx.NewSelect().Table("settings").Column("value").Where("key = 'deadline_reminders_day'").Scan(ctx, &last)
		if last == today {
			return nil
		}
		var rows []struct {
			AccountID string `bun:"account_id"`
			Email     string `bun:"email"`
			Name      string `bun:"name"`
			Locale    string `bun:"locale"`
			Reference string `bun:"reference"`
			Title     string `bun:"title"`
			DueDate   string `bun:"due_date"`
		}
		// The case managers the rule shows each case file to: an
		// assignment counts while its holder edits for the case file's unit
		// (instance admins anywhere), in units whose reminders are on.
		err := tx.NewSelect().TableExpr("deadlines AS d").
			Join("JOIN cases AS c ON c.id = d.case_id").
			Join("JOIN units AS u ON u.id = c.unit_id AND u.module_reminders").
			Join("JOIN grants AS g ON g.case_id = c.id AND g.kind = ? AND g.revoked_at IS NULL", GrantAssignee).
			Join("JOIN accounts AS a ON a.id = g.account_id").
			ColumnExpr("a.id AS account_id, a.email, a.name, a.locale, c.reference, d.title, d.due_date").
			Where("NOT d.done AND d.due_date <= ? AND c.status NOT IN (?, ?)", now.Add(reminderWindow).Format("2006-01-02"), CaseClosed, CaseArchived).
			Where("a.status = ?", StatusActive).
			Where("(a.role IN (?) OR EXISTS (SELECT 1 FROM memberships AS m WHERE m.account_id = a.id AND m.unit_id = c.unit_id AND m.role = ? AND "+liveMembership+"))",
				bun.In([]string{RoleAdmin, RoleSuperadmin}), MemberEditor, now, now).
			OrderExpr("a.id, d.due_date").Scan(ctx, &rows)
		if err != nil {
			return err
		}
		byAccount := map[string][]string{}
		var order []string
		for _, r := range rows {
			if _, seen := byAccount[r.AccountID]; !seen {
				order = append(order, r.AccountID)
			}
			// The deadline and the case file's reference: nothing else of it leaves by e-mail.
			byAccount[r.AccountID] = append(byAccount[r.AccountID], r.Reference+" — "+r.Title+" — "+r.DueDate)
		}
		sort.Strings(order)
		for _, id := range order {
			var r = rows[0]
			for _, x := range rows {
				if x.AccountID == id {
					r = x
					break
				}
			}
			if err := s.enqueue(ctx, tx, r.Email, r.Locale, "deadline_reminder", map[string]string{
				"name": r.Name, "items": strings.Join(byAccount[id], "\n"), "link": s.baseURL + "/"}); err != nil {
				return err
			}
			sent++
		}
		_, err = tx.NewRaw("INSERT INTO settings (key, value) VALUES ('deadline_reminders_day', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", today).Exec(ctx)
		return err
	})
	return sent, err
}

// caseEvent is one line of a case file's history.
type caseEvent struct {
	Kind       string
	FromStatus string
	ToStatus   string
	Comment    string
	Fields     []string
}

var (
	eventBulk = statements.Bulk(engine.BulkInsert{Head: `INSERT INTO case_events (case_id, at, actor_id, kind, from_status, to_status, comment, fields)
	VALUES `, Row: `(?, ?, ?, ?, ?, ?, ?, ?)`})
	sqlInsertEvent = statements.Write(eventBulk.One())
)

// caseEvent records, now, what actor did to a case file.
func (s *Store) caseEvent(ctx context.Context, tx bun.IDB, actor Actor, caseID string, ev caseEvent) error {
	return s.db.Exec(ctx, tx, sqlInsertEvent, s.eventRow(actor, caseID, ev)...)
}

// eventRow is the arguments of sqlInsertEvent, or a row of eventBulk, that
// record, now, what actor did to a case file.
func (s *Store) eventRow(actor Actor, caseID string, ev caseEvent) []any {
	fields := ""
	if len(ev.Fields) > 0 {
		b, _ := json.Marshal(ev.Fields)
		fields = string(b)
	}
	return []any{caseID, s.now(), actor.ID(), ev.Kind, ev.FromStatus, ev.ToStatus, ev.Comment, fields}
}

// HistoryEntry is one event of a case file's history.
type HistoryEntry struct {
	ID         int64     `bun:"id" json:"id"`
	At         time.Time `bun:"at" json:"at"`
	ActorID    string    `bun:"actor_id" json:"actor_id"`
	ActorName  string    `bun:"actor_name" json:"actor_name"`
	Kind       string    `bun:"kind" json:"kind"`
	FromStatus string    `bun:"from_status" json:"from_status,omitempty"`
	ToStatus   string    `bun:"to_status" json:"to_status,omitempty"`
	Comment    string    `bun:"comment" json:"comment,omitempty"`
	FieldsJSON string    `bun:"fields" json:"-"`
	Fields     []string  `bun:"-" json:"fields,omitempty"`
}

// History lists what happened to a visible case file, oldest first.
func (s *Store) History(ctx context.Context, actor Actor, caseID string) ([]HistoryEntry, error) {
	return ofVisibleCase(ctx, s, actor, caseID, s.historyOf)
}

// historyOf reads the history of c, a case file loaded through caseFor.
func (s *Store) historyOf(ctx context.Context, c *Case) ([]HistoryEntry, error) {
	out := []HistoryEntry{}
	err := s.read.NewSelect().TableExpr("case_events AS e").Join("LEFT JOIN accounts AS a ON a.id = e.actor_id").
		ColumnExpr("e.id, e.at, e.actor_id, coalesce(a.name, '') AS actor_name, e.kind, e.from_status, e.to_status, e.comment, e.fields").
		Where("e.case_id = ?", c.ID).OrderExpr("e.id").Scan(ctx, &out)
	for i := range out {
		if out[i].FieldsJSON != "" {
			_ = json.Unmarshal([]byte(out[i].FieldsJSON), &out[i].Fields)
		}
	}
	return out, err
}

package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/uptrace/bun"
)

// Documents (DESIGN.md, "document"): a file the secretariat or an
// organisation's admins publish to an audience (organisations, roles,
// functions). A person sees the documents one of their live memberships
// matches; anyone else gets 404, as for a document that does not exist.
// Files are checked by content and encrypted at rest like attachments.

// DocAudience is who a document is for. Empty lists do not narrow; an
// organisation's admin always names organisations (theirs by default).
type DocAudience struct {
	OrgIDs    []string `json:"org_ids"`
	Roles     []string `json:"roles"`
	Functions []string `json:"functions"`
}

// MarshalJSON writes an empty list as [], never null: the document
// declares arrays, and a client reads them literally.
func (a DocAudience) MarshalJSON() ([]byte, error) {
	type plain DocAudience
	for _, l := range []*[]string{&a.OrgIDs, &a.Roles, &a.Functions} {
		if *l == nil {
			*l = []string{}
		}
	}
	return json.Marshal(plain(a))
}

// Document is a published document.
type Document struct {
	bun.BaseModel `bun:"table:documents,alias:d"`

	ID          string      `bun:"id,pk" json:"id"`
	Title       string      `bun:"title" json:"title"`
	Filename    string      `bun:"filename" json:"filename"`
	MediaType   string      `bun:"media_type" json:"media_type"`
	Size        int64       `bun:"size" json:"size"`
	SHA256      string      `bun:"sha256" json:"sha256"`
	StorageName string      `bun:"storage_name" json:"-"`
	AudienceJS  string      `bun:"audience" json:"-"`
	Audience    DocAudience `bun:"-" json:"audience"`
	PublisherID string      `bun:"publisher_id" json:"publisher_id"`
	CreatedAt   time.Time   `bun:"created_at" json:"created_at"`
	// Manage says the caller may delete it.
	Manage bool `bun:"-" json:"manage"`
}

// liveRole is one live membership, as documents match them.
type liveRole struct {
	Org       string `bun:"org"`
	Role      string `bun:"role"`
	Functions string `bun:"functions"`
}

// matches tells whether a live membership is in the audience.
func (a DocAudience) matches(m liveRole) bool {
	if len(a.OrgIDs) > 0 && !slices.Contains(a.OrgIDs, m.Org) {
		return false
	}
	if len(a.Roles) > 0 && !slices.Contains(a.Roles, m.Role) {
		return false
	}
	if len(a.Functions) > 0 {
		var fs []string
		_ = json.Unmarshal([]byte(m.Functions), &fs)
		return slices.ContainsFunc(fs, func(f string) bool { return slices.Contains(a.Functions, f) })
	}
	return true
}

// documentReader is what decides which documents one sees.
type documentReader struct {
	sc       *Scope
	id       string
	live     []liveRole
	keepsAll bool
}

func (s *Store) documentReader(ctx context.Context, actor Actor) (*documentReader, error) {
	sc, err := s.scopeOf(ctx, actor)
	if err != nil {
		return nil, err
	}
	r := &documentReader{sc: sc, id: actor.ID(), keepsAll: sc.Secretariat || sc.All}
	if !sc.Active {
		return r, nil
	}
	now := s.now()
	err = s.read.NewSelect().TableExpr("memberships AS m").Join("LEFT JOIN units AS u ON u.id = m.unit_id").
		ColumnExpr("coalesce(m.org_id, u.org_id) AS org, m.role, m.functions").
		Where("m.account_id = ? AND "+liveMembership, actor.ID(), now, now).Scan(ctx, &r.live)
	return r, err
}

// manages tells whether the reader may delete d: its publisher, the
// admins of every organisation it names, the secretariat, instance admins
// and superadmins (who administer every organisation).
func (r *documentReader) manages(d *Document) bool {
	if r.keepsAll || d.PublisherID == r.id {
		return true
	}
	return len(d.Audience.OrgIDs) > 0 && !slices.ContainsFunc(d.Audience.OrgIDs, func(o string) bool { return !r.sc.AdminsOrg(o) })
}

// sees tells whether the reader may read d.
func (r *documentReader) sees(d *Document) bool {
	if !r.sc.Active {
		return false
	}
	return r.manages(d) || slices.ContainsFunc(r.live, d.Audience.matches)
}

// ListDocuments lists, newest first, the documents the actor may read.
func (s *Store) ListDocuments(ctx context.Context, actor Actor) ([]Document, error) {
	r, err := s.documentReader(ctx, actor)
	if err != nil {
		return nil, err
	}
	var all []Document
	if err := s.read.NewSelect().Model(&all).OrderExpr("created_at DESC, id DESC").Scan(ctx); err != nil {
		return nil, err
	}
	out := []Document{}
	for i := range all {
		d := &all[i]
		_ = json.Unmarshal([]byte(d.AudienceJS), &d.Audience)
		if r.sees(d) {
			d.Manage = r.manages(d)
			out = append(out, *d)
		}
	}
	return out, nil
}

// visibleDocument reads one document the reader may see; one they may not
// is ErrNotFound, as one that does not exist.
func (s *Store) visibleDocument(ctx context.Context, db bun.IDB, r *documentReader, id string) (*Document, error) {
	d := new(Document)
	if err := db.NewSelect().Model(d).Where("id = ?", id).Scan(ctx); err != nil {
		return nil, ErrNotFound
	}
	_ = json.Unmarshal([]byte(d.AudienceJS), &d.Audience)
	if !r.sees(d) {
		return nil, ErrNotFound
	}
	d.Manage = r.manages(d)
	return d, nil
}

// OpenDocument returns a document the actor may read, with its content.
func (s *Store) OpenDocument(ctx context.Context, actor Actor, id string) (*Document, []byte, error) {
	r, err := s.documentReader(ctx, actor)
	if err != nil {
		return nil, nil, err
	}
	d, err := s.visibleDocument(ctx, s.read, r, id)
	if err != nil {
		return nil, nil, err
	}
	content, err := s.readBlob(d.StorageName)
	if err != nil {
		return nil, nil, fmt.Errorf("document %s: %w", d.ID, err)
	}
	return d, content, nil
}

// PublishDocument publishes a file to an audience: the secretariat,
// instance admins and superadmins to anyone, an organisation's admins to
// their organisations.
func (s *Store) PublishDocument(ctx context.Context, actor Actor, title string, a DocAudience, filename string, content []byte) (*Document, error) {
	r, err := s.documentReader(ctx, actor)
	if err != nil {
		return nil, err
	}
	if !r.keepsAll && len(r.sc.AdminOrgs) == 0 {
		return nil, ErrForbidden
	}
	f := invalidFields{}
	title = strings.TrimSpace(title)
	switch {
	case title == "":
		f.set("title", "required")
	case len([]rune(title)) > 200:
		f.set("title", "max=200")
	}
	for _, role := range a.Roles {
		if !slices.Contains(MemberRoles, role) {
			f.set("audience", "roles")
		}
	}
	if err := f.add(knownFunctions(ctx, s.read, "audience", a.Functions)); err != nil {
		return nil, err
	}
	if !r.keepsAll {
		if len(a.OrgIDs) == 0 {
			a.OrgIDs = r.sc.AdminOrgs
		}
		for _, o := range a.OrgIDs {
			if !r.sc.AdminsOrg(o) {
				return nil, ErrForbidden
			}
		}
	} else {
		for _, o := range a.OrgIDs {
			if _, err := loadScopeRef(ctx, s.read, ScopeTypeOrg, o); err != nil {
				f.set("audience", "unknown_org")
			}
		}
	}
	var mediaType string
	switch {
	case len(content) == 0:
		f.set("file", "required")
	case int64(len(content)) > s.policy.AttachmentMaxBytes:
		f.set("file", fmt.Sprintf("max_size=%d", s.policy.AttachmentMaxBytes))
	default:
		filename = cleanFilename(filename)
		var reason string
		if mediaType, reason = detectType(filename, content); reason != "" {
			f.set("file", reason)
		}
	}
	if err := f.err(); err != nil {
		return nil, err
	}
	aud, _ := json.Marshal(a)
	sum := sha256.Sum256(content)
	d := &Document{ID: newID(), Title: title, Filename: filename, MediaType: mediaType, Size: int64(len(content)),
		SHA256: hex.EncodeToString(sum[:]), StorageName: hex.EncodeToString(randomBytes(16)), AudienceJS: string(aud),
		Audience: a, PublisherID: actor.ID(), CreatedAt: s.now(), Manage: true}
	// The file first: a crash leaves at worst an orphan file.
	if err := s.writeBlob(d.StorageName, content); err != nil {
		return nil, err
	}
	err = s.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewInsert().Model(d).Exec(ctx); err != nil {
			return err
		}
		entry := Audit{Action: "document.published", ObjectType: "document", ObjectID: d.ID,
			Details: map[string]any{"title": title, "audience": a}}
		if len(a.OrgIDs) == 1 {
			entry.OrgID = a.OrgIDs[0]
		}
		return s.appendAudit(ctx, tx, actor, entry)
	})
	if err != nil {
		s.removeBlobs([]string{d.StorageName})
		return nil, err
	}
	return d, nil
}

// DeleteDocument removes a document: those who manage it. One the actor
// may read but not manage is a 403; one they may not read, a 404.
func (s *Store) DeleteDocument(ctx context.Context, actor Actor, id string) error {
	r, err := s.documentReader(ctx, actor)
	if err != nil {
		return err
	}
	var storage string
	err = s.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		d, err := s.visibleDocument(ctx, tx, r, id)
		if err != nil {
			return err
		}
		if !d.Manage {
			return ErrForbidden
		}
		storage = d.StorageName
		if _, err := tx.NewDelete().Model(d).WherePK().Exec(ctx); err != nil {
			return err
		}
		entry := Audit{Action: "document.deleted", ObjectType: "document", ObjectID: d.ID, Details: map[string]any{"title": d.Title}}
		if len(d.Audience.OrgIDs) == 1 {
			entry.OrgID = d.Audience.OrgIDs[0]
		}
		return s.appendAudit(ctx, tx, actor, entry)
	})
	if err == nil {
		s.removeBlobs([]string{storage})
	}
	return err
}

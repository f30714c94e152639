package store

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gabriel-vasile/mimetype"
	"github.com/uptrace/bun"
)

// Where attachments live inside the data directory.
const (
	attachmentsDir = "attachments"
	// KeyFile holds the AES-256 key that encrypts attachments at rest.
	KeyFile = "attachments.key"
)

// Attachment is a file attached to a case file. The file itself is stored
// encrypted outside the database under a random name.
type Attachment struct {
	bun.BaseModel `bun:"table:attachments"`

	ID          string    `bun:"id,pk" json:"id"`
	CaseID      string    `bun:"case_id" json:"case_id"`
	Filename    string    `bun:"filename" json:"filename"`
	MediaType   string    `bun:"media_type" json:"media_type"`
	Size        int64     `bun:"size" json:"size"`
	SHA256      string    `bun:"sha256" json:"sha256"`
	StorageName string    `bun:"storage_name" json:"-"`
	UploadedBy  string    `bun:"uploaded_by" json:"uploaded_by"`
	CreatedAt   time.Time `bun:"created_at" json:"created_at"`
}

// allowedTypes maps each accepted type, as detected from the content, to
// the file-name extensions it may carry. A file whose name claims another
// type than its content is refused.
var allowedTypes = map[string][]string{
	"application/pdf": {".pdf"},
	"image/png":       {".png"},
	"image/jpeg":      {".jpg", ".jpeg"},
	"image/gif":       {".gif"},
	"image/webp":      {".webp"},
	"text/plain":      {".txt", ".text", ".md", ".csv", ".log"},
	"text/csv":        {".csv", ".txt"},
	"application/rtf": {".rtf"},
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document":   {".docx"},
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":         {".xlsx"},
	"application/vnd.openxmlformats-officedocument.presentationml.presentation": {".pptx"},
	"application/vnd.oasis.opendocument.text":                                   {".odt"},
	"application/vnd.oasis.opendocument.spreadsheet":                            {".ods"},
	"application/vnd.oasis.opendocument.presentation":                           {".odp"},
	"application/msword":            {".doc"},
	"application/vnd.ms-excel":      {".xls"},
	"application/vnd.ms-powerpoint": {".ppt"},
}

// detectType returns the accepted media type of content named filename, or
// the reason it is refused.
func detectType(filename string, content []byte) (string, string) {
	mediaType := sniff(content, func(t string) bool { _, ok := allowedTypes[t]; return ok })
	if mediaType == "" {
		return "", "type_not_allowed"
	}
	ext := strings.ToLower(filepath.Ext(filename))
	if !slices.Contains(allowedTypes[mediaType], ext) {
		return "", "type_mismatch"
	}
	return mediaType, ""
}

// sniff is the media type of content, read from its bytes (never from a
// name or a header the sender chose): the first of the detected type and
// its parents that accept takes, or "" when none is.
func sniff(content []byte, accept func(string) bool) string {
	for t := mimetype.Detect(content); t != nil; t = t.Parent() {
		base, _, _ := strings.Cut(t.String(), ";")
		if accept(base) {
			return base
		}
	}
	return ""
}

// loadKey reads the attachment key from the data directory, creating it
// (mode 0600) on first start, unless one is given in base64.
//
// Several instances may start at the same moment on one shared directory
// (PostgreSQL, see the README): only one creates the file (O_EXCL), and the
// others read its key, waiting a moment while it is still being written,
// rather than failing to start or making a second key.
func loadKey(dir, configured string) ([]byte, error) {
	if configured != "" {
		k, err := base64.StdEncoding.DecodeString(configured)
		if err != nil || len(k) != 32 {
			return nil, errors.New("attachments key: want 32 bytes in base64")
		}
		return k, nil
	}
	path := filepath.Join(dir, KeyFile)
	for tries := 1; ; tries++ {
		k, err := os.ReadFile(path)
		switch {
		case err == nil && len(k) == 32:
			return k, nil
		case err == nil && tries < keyWriteTries:
			time.Sleep(keyWriteWait)
			continue
		case err == nil:
			return nil, fmt.Errorf("%s: want 32 bytes, found %d", path, len(k))
		case !errors.Is(err, os.ErrNotExist):
			return nil, err
		}
		k, err = createKey(path)
		if errors.Is(err, os.ErrExist) {
			continue // another instance made it first: read its key
		}
		return k, err
	}
}

// keyWriteTries and keyWriteWait bound how long loadKey waits for a key
// file another process has just created to hold its 32 bytes.
const (
	keyWriteTries = 50
	keyWriteWait  = 20 * time.Millisecond
)

// createKey writes a new random key to path, which must not exist yet.
func createKey(path string) ([]byte, error) {
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, err
	}
	if _, err := f.Write(k); err != nil {
		f.Close()
		return nil, err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return nil, err
	}
	return k, f.Close()
}

func (s *Store) aead() (cipher.AEAD, error) {
	block, err := aes.NewCipher(s.key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// writeBlob encrypts content with AES-256-GCM (the storage name as
// associated data, so blobs cannot be swapped) and writes it durably.
func (s *Store) writeBlob(name string, content []byte) error {
	gcm, err := s.aead()
	if err != nil {
		return err
	}
	nonce := make([]byte, gcm.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return err
	}
	sealed := gcm.Seal(nonce, nonce, content, []byte(name))
	dir := filepath.Join(s.dir, attachmentsDir)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	tmp := filepath.Join(dir, name+".tmp")
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, werr := f.Write(sealed)
	serr := f.Sync()
	cerr := f.Close()
	if err := errors.Join(werr, serr, cerr); err != nil {
		os.Remove(tmp)
		return err
	}
	return os.Rename(tmp, filepath.Join(dir, name))
}

func (s *Store) readBlob(name string) ([]byte, error) {
	sealed, err := os.ReadFile(filepath.Join(s.dir, attachmentsDir, name))
	if err != nil {
		return nil, err
	}
	gcm, err := s.aead()
	if err != nil {
		return nil, err
	}
	if len(sealed) < gcm.NonceSize() {
		return nil, errors.New("attachment file is truncated")
	}
	return gcm.Open(nil, sealed[:gcm.NonceSize()], sealed[gcm.NonceSize():], []byte(name))
}

// removeBlobs deletes stored files after the rows naming them are gone.
func (s *Store) removeBlobs(names []string) {
	for _, n := range names {
		_ = os.Remove(filepath.Join(s.dir, attachmentsDir, n))
	}
}

// ListAttachments lists a visible case file's attachments.
func (s *Store) ListAttachments(ctx context.Context, actor Actor, caseID string) ([]Attachment, error) {
	return ofVisibleCase(ctx, s, actor, caseID, s.attachmentsOf)
}

// attachmentsOf lists the attachments of c, a case file loaded through caseFor.
func (s *Store) attachmentsOf(ctx context.Context, c *Case) ([]Attachment, error) {
	if !c.Modules.Attachments {
		return nil, errModuleDisabled
	}
	out := []Attachment{}
	return out, s.read.NewSelect().Model(&out).Where("case_id = ?", c.ID).OrderExpr("created_at, id").Scan(ctx)
}

// cleanFilename keeps a file name displayable and harmless in a header.
func cleanFilename(name string) string {
	name = filepath.Base(strings.ReplaceAll(name, `\`, "/"))
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '"' {
			return -1
		}
		return r
	}, name)
	for utf8.RuneCountInString(name) > 200 {
		_, size := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-size]
	}
	if name == "" || name == "." || name == "/" {
		name = "fichier"
	}
	return name
}

// AddAttachment stores a file on a case file the actor may enter data on,
// after checking its size and that its content is of an accepted type
// matching its name.
func (s *Store) AddAttachment(ctx context.Context, actor Actor, caseID, filename string, content []byte) (*Attachment, error) {
	// Visibility first: an invisible case file is a 404 before anything is said of the file.
	if c, _, err := s.writable(ctx, s.read, actor, caseID); err != nil || !c.Modules.Attachments {
		return nil, firstErr(err, errModuleDisabled)
	}
	if len(content) == 0 {
		return nil, Invalid("file", "required")
	}
	if int64(len(content)) > s.policy.AttachmentMaxBytes {
		return nil, Invalid("file", fmt.Sprintf("max_size=%d", s.policy.AttachmentMaxBytes))
	}
	filename = cleanFilename(filename)
	mediaType, reason := detectType(filename, content)
	if reason != "" {
		return nil, Invalid("file", reason)
	}
	sum := sha256.Sum256(content)
	a := &Attachment{ID: newID(), Filename: filename, MediaType: mediaType, Size: int64(len(content)),
		SHA256: hex.EncodeToString(sum[:]), StorageName: hex.EncodeToString(randomBytes(16)), UploadedBy: actor.ID(), CreatedAt: s.now()}
	// The file is written before the row that names it: a crash leaves at
	// worst an orphan file, never a row without its file.
	if err := s.writeBlob(a.StorageName, content); err != nil {
		return nil, err
	}
	err := s.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		c, _, err := s.writable(ctx, tx, actor, caseID)
		if err != nil {
			return err
		}
		a.CaseID = c.ID
		if _, err := tx.NewInsert().Model(a).Exec(ctx); err != nil {
			return err
		}
		if err := s.touchCase(ctx, tx, c.ID); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, actor, Audit{Action: "case.attachment_added", ObjectType: "case", ObjectID: c.ID, OrgID: c.auditOrg(), UnitID: c.auditUnit(), Details: map[string]any{"attachment": a.ID}})
	})
	if err != nil {
		s.removeBlobs([]string{a.StorageName})
		return nil, err
	}
	return a, nil
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("store: no randomness: " + err.Error())
	}
	return b
}

// OpenAttachment returns an attachment of a visible case file with its
// decrypted content.
func (s *Store) OpenAttachment(ctx context.Context, actor Actor, caseID, id string) (*Attachment, []byte, error) {
	c, _, err := s.caseFor(ctx, s.read, actor, caseID, false)
	if err != nil || !c.Modules.Attachments {
		return nil, nil, firstErr(err, errModuleDisabled)
	}
	a := new(Attachment)
	if err := s.read.NewSelect().Model(a).Where("id = ? AND case_id = ?", id, c.ID).Scan(ctx); err != nil {
		return nil, nil, ErrNotFound
	}
	content, err := s.readBlob(a.StorageName)
	if err != nil {
		return nil, nil, fmt.Errorf("attachment %s: %w", a.ID, err)
	}
	return a, content, nil
}

// DeleteAttachment removes an attachment: assignees and admins only.
func (s *Store) DeleteAttachment(ctx context.Context, actor Actor, caseID, id string) error {
	a := new(Attachment)
	err := s.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		c, rel, err := s.writable(ctx, tx, actor, caseID)
		if err != nil {
			return err
		}
		if !rel.manager() {
			return ErrForbidden
		}
		if !c.Modules.Attachments {
			return errModuleDisabled
		}
		if err := tx.NewSelect().Model(a).Where("id = ? AND case_id = ?", id, c.ID).Scan(ctx); err != nil {
			return ErrNotFound
		}
		if _, err := tx.NewDelete().Model(a).WherePK().Exec(ctx); err != nil {
			return err
		}
		if err := s.touchCase(ctx, tx, c.ID); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, actor, Audit{Action: "case.attachment_deleted", ObjectType: "case", ObjectID: c.ID, OrgID: c.auditOrg(), UnitID: c.auditUnit(), Details: map[string]any{"attachment": a.ID}})
	})
	if err == nil {
		s.removeBlobs([]string{a.StorageName})
	}
	return err
}

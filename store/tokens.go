package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strings"
	"time"

	"github.com/uptrace/bun"
)

// One-time token purposes.
const (
	purposeActivate = "activate"
	purposeInvite   = "invite"
	purposeReset    = "reset"
)

// How long each kind of e-mailed link stays valid.
const (
	activateTTL = 48 * time.Hour
	inviteTTL   = 14 * 24 * time.Hour
	resetTTL    = 30 * time.Minute
)

// errInvalidToken is what every unusable one-time token gives: unknown, used,
// expired or of another purpose, without saying which.
var errInvalidToken = Invalid("token", "invalid")

// newSecret returns a random 32-byte token, URL-safe, and the SHA-256 that is
// the only thing stored of it.
func newSecret() (string, []byte) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("store: no randomness: " + err.Error())
	}
	tok := base64.RawURLEncoding.EncodeToString(b)
	return tok, hashSecret(tok)
}

func hashSecret(tok string) []byte {
	sum := sha256.Sum256([]byte(tok))
	return sum[:]
}

// accountToken is a row of account_tokens.
type accountToken struct {
	bun.BaseModel `bun:"table:account_tokens"`

	TokenHash []byte     `bun:"token_hash,pk"`
	AccountID string     `bun:"account_id"`
	Purpose   string     `bun:"purpose"`
	CreatedAt time.Time  `bun:"created_at"`
	ExpiresAt time.Time  `bun:"expires_at"`
	UsedAt    *time.Time `bun:"used_at"`
}

// purposeCollaboration is the purpose of a helper's invitation link, whose
// token lives on its grant rather than in account_tokens.
const purposeCollaboration = "collaboration"

// oneTimeLink is the link an e-mail carries, described without its token:
// the token is minted only when the e-mail is claimed for an attempt (see
// mintLink), so that no usable token is ever written anywhere.
type oneTimeLink struct {
	path    string // "/activate", "/invitation", "/reset"
	purpose string // purposeActivate, purposeInvite, purposeReset, purposeCollaboration
	subject string // the account, or the helper's grant
	ttl     time.Duration
}

// mintLink gives a claimed message with a link its token: the token's hash
// is stored inside tx (an account's earlier unused tokens of the purpose,
// or its grant's earlier one, die), and the token replaces the message's
// placeholder in its bodies, in memory only.
func (s *Store) mintLink(ctx context.Context, tx bun.IDB, m *OutboxMessage) error {
	if m.LinkPurpose == "" {
		return nil
	}
	tok, hash := newSecret()
	now := s.now()
	if m.LinkPurpose == purposeCollaboration {
		// Only an invitation still waiting for its helper gets a new token.
		if _, err := tx.NewUpdate().Model((*Grant)(nil)).Set("token_hash = ?", hash).
			Where("id = ? AND account_id IS NULL AND revoked_at IS NULL", m.LinkSubject).Exec(ctx); err != nil {
			return err
		}
	} else {
		if _, err := tx.NewUpdate().Model((*accountToken)(nil)).Set("used_at = ?", now).
			Where("account_id = ? AND purpose = ? AND used_at IS NULL", m.LinkSubject, m.LinkPurpose).Exec(ctx); err != nil {
			return err
		}
		ttl := time.Duration(m.LinkTTLSeconds) * time.Second
		if _, err := tx.NewInsert().Model(&accountToken{TokenHash: hash, AccountID: m.LinkSubject, Purpose: m.LinkPurpose,
			CreatedAt: now, ExpiresAt: now.Add(ttl)}).Exec(ctx); err != nil {
			return err
		}
	}
	m.TextBody = strings.ReplaceAll(m.TextBody, m.LinkPlaceholder, tok)
	m.HTMLBody = strings.ReplaceAll(m.HTMLBody, m.LinkPlaceholder, tok)
	return nil
}

// useToken consumes a valid token of purpose inside tx and returns its account.
func (s *Store) useToken(ctx context.Context, tx bun.IDB, tok, purpose string) (*Account, error) {
	t, err := s.peekToken(ctx, tx, tok, purpose)
	if err != nil {
		return nil, err
	}
	if _, err := tx.NewUpdate().Model(t).Set("used_at = ?", s.now()).WherePK().Exec(ctx); err != nil {
		return nil, err
	}
	return accountByID(ctx, tx, t.AccountID)
}

// peekToken finds a valid token without consuming it.
func (s *Store) peekToken(ctx context.Context, db bun.IDB, tok, purpose string) (*accountToken, error) {
	if tok == "" {
		return nil, errInvalidToken
	}
	t := new(accountToken)
	err := db.NewSelect().Model(t).Where("token_hash = ?", hashSecret(tok)).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errInvalidToken
	}
	if err != nil {
		return nil, err
	}
	if t.Purpose != purpose || t.UsedAt != nil || !s.now().Before(t.ExpiresAt) {
		return nil, errInvalidToken
	}
	return t, nil
}

// linkPlaceholder is what an e-mail's text holds where its link's token
// will go: random, so that no text a person wrote can stand for it, and
// plainly not a token.
func linkPlaceholder() string {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		panic("store: no randomness: " + err.Error())
	}
	return "not-yet-sent-" + hex.EncodeToString(b)
}

// link builds an e-mailed link whose token travels in the fragment, which
// browsers never send to a server and so never lands in a proxy's log.
func (s *Store) link(path, tok string) string {
	return s.baseURL + path + "#token=" + tok
}

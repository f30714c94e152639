package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"errors"
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

// issueToken creates a one-time token for account and purpose inside tx.
// Earlier unused tokens of the same purpose die, so only the newest link works.
func (s *Store) issueToken(ctx context.Context, tx bun.IDB, accountID, purpose string, ttl time.Duration) (string, error) {
	now := s.now()
	if _, err := tx.NewUpdate().Model((*accountToken)(nil)).Set("used_at = ?", now).
		Where("account_id = ? AND purpose = ? AND used_at IS NULL", accountID, purpose).Exec(ctx); err != nil {
		return "", err
	}
	tok, hash := newSecret()
	_, err := tx.NewInsert().Model(&accountToken{TokenHash: hash, AccountID: accountID, Purpose: purpose, CreatedAt: now, ExpiresAt: now.Add(ttl)}).Exec(ctx)
	return tok, err
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

// link builds an e-mailed link whose token travels in the fragment, which
// browsers never send to a server and so never lands in a proxy's log.
func (s *Store) link(path, tok string) string {
	return s.baseURL + path + "#token=" + tok
}

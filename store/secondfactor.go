package store

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base32"
	"errors"
	"image/png"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
	"github.com/uptrace/bun"

	"cloison/store/passwords"
)

// The second factor: a TOTP authenticator (RFC 6238: 6 digits, 30-second
// steps, SHA-1, as every authenticator app reads it) and ten single-use
// recovery codes. Its secret is sealed under a key derived from the
// instance's key file, which never enters the database: the database or a
// copy of it alone gives no one's second factor.

const (
	totpPeriod = 30
	// totpSkew is how many steps before and after now a code is accepted
	// for, against clocks a little off.
	totpSkew = 1
	// recoveryCodes is how many recovery codes an enrolment gives.
	recoveryCodes = 10
)

// secondFactor is a row of second_factors.
type secondFactor struct {
	bun.BaseModel `bun:"table:second_factors"`

	AccountID   string     `bun:"account_id,pk"`
	Secret      []byte     `bun:"secret"`
	ConfirmedAt *time.Time `bun:"confirmed_at"`
	LastStep    int64      `bun:"last_step"`
	CreatedAt   time.Time  `bun:"created_at"`
}

// recoveryCode is a row of recovery_codes.
type recoveryCode struct {
	bun.BaseModel `bun:"table:recovery_codes"`

	CodeHash  []byte     `bun:"code_hash,pk"`
	AccountID string     `bun:"account_id"`
	UsedAt    *time.Time `bun:"used_at"`
}

// NeedsSecondFactor tells whether an account of this role must use a second
// factor when the instance requires one: administrators, the secretariat
// and superadmins, who can reach everyone's case files or accounts.
func NeedsSecondFactor(role string) bool {
	return RoleAtLeast(role, RoleAdmin) || role == "secretariat"
}

// SecondFactorStatus is what a person, or the API, knows of an account's
// second factor.
type SecondFactorStatus struct {
	// Enrolled: an authenticator is confirmed, and logging in asks for it.
	Enrolled bool `json:"enrolled"`
	// Pending: an enrolment was started and waits for its first code.
	Pending bool `json:"pending"`
	// Required: the instance requires one of this account's role.
	Required bool `json:"required"`
	// RecoveryCodesLeft counts the unused recovery codes.
	RecoveryCodesLeft int `json:"recovery_codes_left"`
}

// SecondFactorOf says where an account stands; required is the instance's
// rule for its role.
func (s *Store) SecondFactorOf(ctx context.Context, accountID string, required bool) (SecondFactorStatus, error) {
	st := SecondFactorStatus{Required: required}
	f := new(secondFactor)
	err := s.read.NewSelect().Model(f).Where("account_id = ?", accountID).Scan(ctx)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return st, nil
	case err != nil:
		return st, err
	}
	st.Enrolled, st.Pending = f.ConfirmedAt != nil, f.ConfirmedAt == nil
	n, err := s.read.NewSelect().Model((*recoveryCode)(nil)).Where("account_id = ? AND used_at IS NULL", accountID).Count(ctx)
	st.RecoveryCodesLeft = int(n)
	return st, err
}

// Enrolment is a started enrolment: the secret in base32 for typing by
// hand, and the otpauth:// URI its QR code holds. Shown once, to its owner.
type Enrolment struct {
	Secret string `json:"secret"`
	URI    string `json:"uri"`
}

// StartSecondFactor gives the actor a new authenticator secret, sealed,
// waiting for its first code. It replaces an earlier unconfirmed one; an
// account with a confirmed authenticator must remove it first.
func (s *Store) StartSecondFactor(ctx context.Context, actor Actor, issuer string) (*Enrolment, error) {
	key, err := totp.Generate(totp.GenerateOpts{Issuer: issuer, AccountName: actor.Account.Email, Period: totpPeriod,
		Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		return nil, err
	}
	sealed, err := s.sealSecret(actor.ID(), key.Secret())
	if err != nil {
		return nil, err
	}
	err = s.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		f := new(secondFactor)
		switch err := tx.NewSelect().Model(f).Where("account_id = ?", actor.ID()).Scan(ctx); {
		case err == nil && f.ConfirmedAt != nil:
			return Coded(ErrConflict, "second_factor_enrolled")
		case err != nil && !errors.Is(err, sql.ErrNoRows):
			return err
		}
		_, err := tx.NewInsert().Model(&secondFactor{AccountID: actor.ID(), Secret: sealed, CreatedAt: s.now()}).
			On("CONFLICT (account_id) DO UPDATE").Set("secret = EXCLUDED.secret").Set("created_at = EXCLUDED.created_at").Exec(ctx)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &Enrolment{Secret: key.Secret(), URI: key.URL()}, nil
}

// EnrolmentQR draws the pending enrolment's otpauth:// URI as a QR code, in
// PNG, size pixels wide: the binary draws it, no outside service sees it.
func (s *Store) EnrolmentQR(ctx context.Context, actor Actor, issuer string, size int) ([]byte, error) {
	f := new(secondFactor)
	err := s.read.NewSelect().Model(f).Where("account_id = ? AND confirmed_at IS NULL", actor.ID()).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	secret, err := s.openSecret(actor.ID(), f.Secret)
	if err != nil {
		return nil, err
	}
	raw, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(secret)
	if err != nil {
		return nil, err
	}
	key, err := totp.Generate(totp.GenerateOpts{Issuer: issuer, AccountName: actor.Account.Email, Period: totpPeriod,
		Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1, Secret: raw})
	if err != nil {
		return nil, err
	}
	img, err := key.Image(size, size)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// ConfirmSecondFactor checks the first code of a pending enrolment; the
// authenticator is then on, and the ten recovery codes it returns are shown
// once: only their hashes are kept.
func (s *Store) ConfirmSecondFactor(ctx context.Context, actor Actor, code string) ([]string, error) {
	var codes []string
	err := s.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		f := new(secondFactor)
		err := tx.NewSelect().Model(f).Where("account_id = ? AND confirmed_at IS NULL", actor.ID()).Scan(ctx)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		step, ok, err := s.checkTOTP(actor.ID(), f, code)
		if err != nil {
			return err
		}
		if !ok {
			return Invalid("code", "wrong_code")
		}
		if _, err := tx.NewUpdate().Model(f).Set("confirmed_at = ?", s.now()).Set("last_step = ?", step).WherePK().Exec(ctx); err != nil {
			return err
		}
		if codes, err = s.newRecoveryCodes(ctx, tx, actor.ID()); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, actor, Audit{Action: "account.second_factor_enrolled", ObjectType: "account", ObjectID: actor.ID()})
	})
	return codes, err
}

// RemoveSecondFactor turns the actor's own second factor off, after checking
// their password, unless the instance requires one of them.
func (s *Store) RemoveSecondFactor(ctx context.Context, h *passwords.Hasher, actor Actor, password string, required bool) error {
	if required {
		return Coded(ErrForbidden, "second_factor_required")
	}
	ok, err := h.Verify(ctx, actor.Account.PasswordHash, password)
	if err != nil {
		return err
	}
	if !ok {
		return Invalid("password", "wrong")
	}
	return s.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if err := deleteSecondFactor(ctx, tx, actor.ID()); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, actor, Audit{Action: "account.second_factor_removed", ObjectType: "account", ObjectID: actor.ID()})
	})
}

// ResetSecondFactor is an administrator's answer to a lost second factor:
// the account's authenticator and recovery codes go, its sessions end, and
// its owner enrols again at the next login. It carries a reason, audited;
// only a superadmin resets an administrator's.
func (s *Store) ResetSecondFactor(ctx context.Context, actor Actor, id, reason string) error {
	if err := requireRole(actor, RoleAdmin); err != nil {
		return err
	}
	if err := checkReason(reason); err != nil {
		return err
	}
	return s.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		target, err := accountByID(ctx, tx, id)
		if err != nil {
			return err
		}
		if !mayTouchRole(actor, target.Role) {
			return Coded(ErrForbidden, "superadmin_only")
		}
		if target.ID == actor.ID() {
			return Coded(ErrConflict, "self")
		}
		if err := deleteSecondFactor(ctx, tx, target.ID); err != nil {
			return err
		}
		if err := s.endSessions(ctx, tx, target.ID, ""); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, actor, Audit{Action: "account.second_factor_reset", ObjectType: "account", ObjectID: target.ID, Reason: reason})
	})
}

func deleteSecondFactor(ctx context.Context, tx bun.IDB, accountID string) error {
	if _, err := tx.NewDelete().Model((*recoveryCode)(nil)).Where("account_id = ?", accountID).Exec(ctx); err != nil {
		return err
	}
	_, err := tx.NewDelete().Model((*secondFactor)(nil)).Where("account_id = ?", accountID).Exec(ctx)
	return err
}

// passSecondFactor is the login's second check, inside its transaction:
// nil when the account has no confirmed authenticator, or when code is a
// current TOTP code not used before, or one of its unused recovery codes
// (then used up); ErrInvalidCredentials otherwise, missing code included.
// It reports how the code passed, for the audit log.
func (s *Store) passSecondFactor(ctx context.Context, tx bun.IDB, accountID, code string) (string, error) {
	f := new(secondFactor)
	err := tx.NewSelect().Model(f).Where("account_id = ? AND confirmed_at IS NOT NULL", accountID).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	if step, ok, err := s.checkTOTP(accountID, f, code); err != nil {
		return "", err
	} else if ok {
		_, err := tx.NewUpdate().Model(f).Set("last_step = ?", step).WherePK().Exec(ctx)
		return "totp", err
	}
	if norm := normaliseRecoveryCode(code); norm != "" {
		res, err := tx.NewUpdate().Model((*recoveryCode)(nil)).Set("used_at = ?", s.now()).
			Where("code_hash = ? AND account_id = ? AND used_at IS NULL", hashSecret(norm), accountID).Exec(ctx)
		if err != nil {
			return "", err
		}
		if n, _ := res.RowsAffected(); n == 1 {
			return "recovery_code", nil
		}
	}
	return "", ErrInvalidCredentials
}

// checkTOTP tells whether code is the authenticator's code for a step
// within totpSkew of now and after the last one accepted, and which step.
func (s *Store) checkTOTP(accountID string, f *secondFactor, code string) (int64, bool, error) {
	code = strings.TrimSpace(code)
	if len(code) != 6 {
		return 0, false, nil
	}
	secret, err := s.openSecret(accountID, f.Secret)
	if err != nil {
		return 0, false, err
	}
	now := s.now().Unix() / totpPeriod
	for step := now - totpSkew; step <= now+totpSkew; step++ {
		if step <= f.LastStep {
			continue
		}
		want, err := totp.GenerateCodeCustom(secret, time.Unix(step*totpPeriod, 0), totp.ValidateOpts{
			Period: totpPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
		if err != nil {
			return 0, false, err
		}
		if hmac.Equal([]byte(want), []byte(code)) {
			return step, true, nil
		}
	}
	return 0, false, nil
}

// newRecoveryCodes replaces an account's recovery codes with ten new ones,
// returned in the form people type them (xxxx-xxxx-xxxx-xxxx, 80 bits).
func (s *Store) newRecoveryCodes(ctx context.Context, tx bun.IDB, accountID string) ([]string, error) {
	if _, err := tx.NewDelete().Model((*recoveryCode)(nil)).Where("account_id = ?", accountID).Exec(ctx); err != nil {
		return nil, err
	}
	codes := make([]string, recoveryCodes)
	rows := make([]recoveryCode, recoveryCodes)
	for i := range codes {
		b := make([]byte, 10)
		if _, err := rand.Read(b); err != nil {
			return nil, err
		}
		raw := strings.ToLower(base32.StdEncoding.EncodeToString(b))
		codes[i] = raw[0:4] + "-" + raw[4:8] + "-" + raw[8:12] + "-" + raw[12:16]
		rows[i] = recoveryCode{CodeHash: hashSecret(raw), AccountID: accountID}
	}
	_, err := tx.NewInsert().Model(&rows).Exec(ctx)
	return codes, err
}

// normaliseRecoveryCode reads a recovery code as people type it: any case,
// with or without dashes and spaces; "" when it cannot be one.
func normaliseRecoveryCode(code string) string {
	code = strings.ToLower(strings.NewReplacer("-", "", " ", "").Replace(code))
	if len(code) != 16 {
		return ""
	}
	if _, err := base32.StdEncoding.DecodeString(strings.ToUpper(code)); err != nil {
		return ""
	}
	return code
}

// secretKey is the key that seals second-factor secrets: derived from the
// instance's key (the attachments key, kept outside the database), for
// this one use.
func (s *Store) secretKey() ([]byte, error) {
	return hkdf.Key(sha256.New, s.key, nil, "cloison second-factor secrets", 32)
}

// sealSecret encrypts a TOTP secret with AES-256-GCM, bound to its account
// (a sealed secret copied to another account's row does not open).
func (s *Store) sealSecret(accountID, secret string) ([]byte, error) {
	gcm, err := s.secretAEAD()
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, gcm.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return gcm.Seal(nonce, nonce, []byte(secret), []byte(accountID)), nil
}

func (s *Store) openSecret(accountID string, sealed []byte) (string, error) {
	gcm, err := s.secretAEAD()
	if err != nil {
		return "", err
	}
	if len(sealed) < gcm.NonceSize() {
		return "", errors.New("second factor: sealed secret too short")
	}
	plain, err := gcm.Open(nil, sealed[:gcm.NonceSize()], sealed[gcm.NonceSize():], []byte(accountID))
	if err != nil {
		return "", errors.New("second factor: the secret does not open with this instance's key")
	}
	return string(plain), nil
}

func (s *Store) secretAEAD() (cipher.AEAD, error) {
	key, err := s.secretKey()
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

package store

import (
	"context"
	"encoding/hex"

	"github.com/uptrace/bun"
)

// The one-time setup link's token lives in the database, hashed: the link
// an instance prints works on every instance serving the same database
// (several behind one address, on PostgreSQL), and dies for all of them
// once the first superadmin exists.

// setupTokenKey is the settings key of a setup token's hash.
func setupTokenKey(hash []byte) string { return "setup_token:" + hex.EncodeToString(hash) }

// AddSetupToken records the hash of a setup token an instance prints. On
// SQLite, where one instance serves the data directory, it replaces any
// earlier one: a link printed before a restart stops working. On
// PostgreSQL every instance's link works until the first superadmin.
func (s *Store) AddSetupToken(ctx context.Context, hash []byte) error {
	return s.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if !s.pg {
			if _, err := tx.NewDelete().Table("settings").Where("substr(key, 1, 12) = 'setup_token:'").Exec(ctx); err != nil {
				return err
			}
		}
		_, err := tx.NewRaw("INSERT INTO settings (key, value) VALUES (?, '') ON CONFLICT (key) DO NOTHING", setupTokenKey(hash)).Exec(ctx)
		return err
	})
}

// SetupTokenValid tells whether hash is a live setup token's.
func (s *Store) SetupTokenValid(ctx context.Context, hash []byte) (bool, error) {
	return s.read.NewSelect().Table("settings").Where("key = ?", setupTokenKey(hash)).Exists(ctx)
}

// EndSetupTokens kills every setup token (the first superadmin exists).
func (s *Store) EndSetupTokens(ctx context.Context) error {
	return s.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.NewDelete().Table("settings").Where("substr(key, 1, 12) = 'setup_token:'").Exec(ctx)
		return err
	})
}

package store

import (
	"context"
	"testing"
)

// Upgrading gives the seeded functions their German labels, except one
// the secretariat renamed (its German name is theirs to give) and one an
// instance added; both stay without, and German readers read English.
func TestUpgradeNamesFunctionsInGerman(t *testing.T) {
	sqliteOnly(t) // an upgrade from SQLite migrations older than PostgreSQL\'s baseline
	ctx := context.Background()
	st := openTestStore(t, t.TempDir())
	t.Cleanup(func() { st.Close() })
	migrateBefore(t, st, "20261201000062")
	w := st.db.Writer()
	for _, q := range []string{
		`UPDATE functions SET label_fr = 'Caissier·ère' WHERE code = 'tresorier'`,
		`INSERT INTO functions (code, label_fr, label_en, position, created_at, updated_at)
			VALUES ('archiviste', 'Archiviste', 'Archivist', 80, datetime('now'), datetime('now'))`,
	} {
		if _, err := w.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	var fs []Function
	if err := st.read.NewSelect().Model(&fs).Scan(ctx); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"president": "Präsident·in", "vice-president": "Vizepräsident·in", "tresorier": "",
		"secretaire": "Sekretär·in", "referent": "Referent·in", "conseiller-prevention": "Präventionsberater·in",
		"directeur": "Direktor·in", "archiviste": ""}
	if len(fs) != len(want) {
		t.Errorf("%d functions after the upgrade, want %d", len(fs), len(want))
	}
	for _, f := range fs {
		if de, ok := want[f.Code]; !ok || f.LabelDE != de {
			t.Errorf("%s: label_de %q, want %q", f.Code, f.LabelDE, de)
		}
	}
}

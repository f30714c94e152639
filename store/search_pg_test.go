package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"cloison/store/search"
)

// searchCorpus is what the search tests index on both engines: each entry
// a case file's title, summary and notes (one per line, as indexNote
// leaves them).
var searchCorpus = [][3]string{
	{"Famille Nguyễn Thị Ánh", "Rendez-vous pris", ""},
	{"Œuvre sociale", "Le cœur du dossier", "ŒUVRE COMPLÈTE"},
	{"Çağla Yılmaz", "", "İstanbul"},
	{"Straße", "", ""},
	{"STRASSE", "strasse", ""},
	{"Müller", "Jürgen", "Österreich, Ärzte"},
	{"l’appel", "", "l'appel du 18 juin"},
	{"Jean-Pierre", "", ""},
	{"jean pierre", "", ""},
	{"contact", "jean.dupont@exemple.fr", "https://exemple.fr/a-b?x=1"},
	{"dates", "12/03/2024 1.5", "3,14 2024-03-12"},
	{"Ελληνικά Σωκράτης", "Москва Ёлка", ""},
	{"emoji 😀 café☕ ok", "", ""},
	{"oeuvre coeur", "ae", ""},
	{"Æsop", "æther", ""},
	{"Ñandú", "São Paulo", ""},
	{"Đặng ĐỨC", "", ""},
	{"Nguye\u0302\u0303n décomposé", "", ""},
	{"Ǆemal", "ＡＢＣ", "x² Ⅻ ﬁn"},
	{"long", strings.Repeat("abcdé", 130), ""},
	{"notes", "", "première ligne\nseconde ligne\nAPPEL urgent"},
	{"", "", ""},
}

// searchQueries are searches as people type them: each finds on
// PostgreSQL what it finds on SQLite.
var searchQueries = []string{
	"nguyen", "NGUYỄN", "Nguyễn", "ngu", "nguyen thi", "thi nguyen", "nguyen absent", "uyen",
	"oeuvre", "œuvre", "ŒUVRE", "œu", "oe", "coeur", "cœur", "œuvre cœur", "complete",
	"cagla", "çağla", "yilmaz", "yılmaz", "istanbul",
	"strasse", "straße", "STRASSE", "stra",
	"muller", "müll", "jurgen", "osterreich", "arzte",
	"appel", "l'appel", "l’appel", "l", "juin 18",
	"jean", "pierre", "jean-pierre", "jean pierre", "jean.dupont@exemple.fr", "dupont", "exemple fr", "https", "x=1",
	"2024", "12/03/2024", "1.5", "14", "3,14", "03 12",
	"σωκρ", "ΣΩΚΡΆΤΗΣ", "ελληνικα", "москва", "ёлка", "елка",
	"café", "cafe", "😀", "☕", "ok",
	"ae", "aesop", "æsop", "ÆTHER", "æ",
	"nandu", "ñandú", "sao paulo", "paul", "aulo",
	"dang", "đặng", "duc", "đức",
	"décomposé", "decompose",
	"ǆemal", "dzemal", "ＡＢＣ", "ａｂｃ", "abc", "x2", "x²", "xii", "ⅻ", "fin", "ﬁn",
	"abcde", strings.Repeat("abcde", 60), strings.Repeat("abcde", 120),
	"premiere", "ligne", "seconde urgent", "APPEL urgent",
	"absent", "", "!!", "-", "*", "\"", "'", "&", "|",
}

// PostgreSQL's search index splits and folds text exactly as SQLite's
// tokenizer does (search_words, generated from the search package's copy
// of its rules, against that copy, for every code point), and the same
// searches find the same case files on both engines, as the store asks
// them: FTSQuery's MATCH on SQLite, TSQuery's tsquery on PostgreSQL.
func TestPostgresSearchFoldsLikeSQLite(t *testing.T) {
	sqliteOnly(t) // compares SQLite with PostgreSQL: the SQLite pass runs it
	pg := migratedPostgres(t)
	lite := newTestStore(t)
	ctx := context.Background()
	pgDB, liteDB := pg.Writer().DB, lite.db.Writer().DB

	t.Run("every code point", func(t *testing.T) {
		// Each code point between two ASCII letters: one token holding
		// what it folds to, or two where it separates.
		const chunk = 1 << 14
		for lo := rune(1); lo <= utf8.MaxRune; lo += chunk {
			var b strings.Builder
			var cps []rune
			for c := lo; c < lo+chunk && c <= utf8.MaxRune; c++ {
				if utf8.ValidRune(c) {
					b.WriteString("q" + string(c) + "z ")
					cps = append(cps, c)
				}
			}
			got := pgWords(t, pgDB, b.String())
			if want := search.Tokens(b.String()); !slices.Equal(got, want) {
				for _, c := range cps {
					text := "q" + string(c) + "z"
					if got, want := pgWords(t, pgDB, text), search.Tokens(text); !slices.Equal(got, want) {
						t.Errorf("U+%04X %q: PostgreSQL %q, SQLite %q", c, string(c), got, want)
					}
				}
				t.Fatalf("code points from U+%04X differ", lo)
			}
		}
	})

	// The corpus on both: SQLite's FTS5 table by rowid, PostgreSQL's table
	// by case file (whose rows it needs).
	steps := []string{
		"INSERT INTO accounts (id, email, email_key, name, role, status, created_at, updated_at) VALUES ('a1', 'a@x', 'a@x', 'A', 'editor', 'active', '2026-11-30 10:00:00.000+00:00', '2026-11-30 10:00:00.000+00:00')",
	}
	for i := range searchCorpus {
		steps = append(steps, fmt.Sprintf(`INSERT INTO cases (id, reference, title, category_id, status, creator_id, created_at, updated_at, unit_id, org_id)
			SELECT '%d', 'R-%d', 'x', 'sante', 'open', 'a1', '2026-11-30 10:00:00.000+00:00', '2026-11-30 10:00:00.000+00:00', id, org_id FROM units WHERE code = 'MAIN'`, i+1, i+1))
	}
	for _, q := range steps {
		if _, err := pgDB.ExecContext(ctx, q); err != nil {
			t.Fatalf("%v\n%s", err, q)
		}
	}
	for i, e := range searchCorpus {
		if _, err := liteDB.ExecContext(ctx, "INSERT INTO case_search (rowid, title, summary, notes) VALUES (?, ?, ?, ?)", i+1, e[0], e[1], e[2]); err != nil {
			t.Fatal(err)
		}
		if _, err := pgDB.ExecContext(ctx, "INSERT INTO case_search (case_id, title, summary, notes) VALUES ($1, $2, $3, $4)", strconv.Itoa(i+1), e[0], e[1], e[2]); err != nil {
			t.Fatal(err)
		}
	}

	// SQLite's answer, PostgreSQL's, and what the baseline's folding
	// (lower(unaccent(…)) through to_tsvector's parser) answered.
	liteFinds := func(q string) []string {
		fts := search.FTSQuery(q)
		if fts == "" {
			return nil
		}
		return idsOf(t, liteDB, "SELECT rowid FROM case_search WHERE case_search MATCH ? ORDER BY rowid", fts)
	}
	pgFinds := func(q string) []string {
		tsq := search.TSQuery(q)
		if tsq == "" {
			return nil
		}
		return idsOf(t, pgDB, "SELECT case_id FROM case_search WHERE document @@ $1::tsquery ORDER BY case_id::int", tsq)
	}
	baselineFinds := func(q string) []string {
		var terms []string
		for _, w := range strings.FieldsFunc(q, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
			terms = append(terms, "'"+w+"':*")
		}
		if len(terms) == 0 {
			return nil
		}
		return idsOf(t, pgDB, `SELECT case_id FROM case_search
			WHERE to_tsvector('simple', lower(unaccent('unaccent', title || ' ' || summary || ' ' || notes)))
				@@ to_tsquery('simple', lower(unaccent('unaccent', $1)))
			ORDER BY case_id::int`, strings.Join(terms, " & "))
	}

	found, baselineWrong := 0, 0
	for _, q := range searchQueries {
		l, p := liteFinds(q), pgFinds(q)
		if !slices.Equal(l, p) {
			t.Errorf("%q: SQLite finds %v, PostgreSQL %v", q, l, p)
		}
		if len(l) > 0 {
			found++
		}
		if b := baselineFinds(q); !slices.Equal(l, b) {
			baselineWrong++
			if testing.Verbose() {
				t.Logf("%q: SQLite finds %v, the baseline's folding found %v", q, l, b)
			}
		}
	}
	// The corpus tells the engines' rules apart: most searches find
	// something, and the baseline's folding fails several of them.
	if found < len(searchQueries)/2 || baselineWrong < 5 {
		t.Errorf("%d searches of %d find something, %d tell the baseline's folding apart", found, len(searchQueries), baselineWrong)
	}
	// What the two share, stated: accents and case do not count, ligatures
	// and ß are letters of their own, every word is a prefix, all required.
	for q, want := range map[string][]string{
		"NGUYỄN":      {"1", "18"},
		"ngu thi":     {"1"},
		"oeuvre":      {"14"},
		"œuvre":       {"2"},
		"cagla":       {"3"},
		"strasse":     {"5"},
		"straße":      {"4"},
		"jean-pierre": {"8", "9"},
		"appel":       {"7", "21"},
		"uyen":        nil,
	} {
		if got := pgFinds(q); !slices.Equal(got, want) {
			t.Errorf("%q: PostgreSQL finds %v, want %v", q, got, want)
		}
	}
}

// pgWords are the tokens PostgreSQL's index makes of text.
func pgWords(t *testing.T, db *sql.DB, text string) []string {
	t.Helper()
	var words string
	if err := db.QueryRowContext(context.Background(), "SELECT array_to_string(search_words($1), ' ')", text).Scan(&words); err != nil {
		t.Fatal(err)
	}
	// Split at the spaces only: a token holds none, and may hold what Go
	// takes for a space.
	return strings.FieldsFunc(words, func(r rune) bool { return r == ' ' })
}

// idsOf runs a query of ids on db.
func idsOf(t *testing.T, db *sql.DB, q string, args ...any) []string {
	t.Helper()
	rows, err := db.QueryContext(context.Background(), q, args...)
	if err != nil {
		t.Fatalf("%v\n%s %q", err, q, args)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return ids
}

// The entries the store writes on PostgreSQL, whose words it folds itself
// for a new case file and a new note (search.IndexWords, migration 067),
// hold exactly what folding their whole text in SQL gives: the corpus's
// titles and summaries created as case files, its notes added one by one,
// then a title changed (which the trigger folds again). The trigger is off
// while the store writes the words itself, so that an entry it left
// without them would show.
func TestPostgresSearchDocumentsAreTheFoldedText(t *testing.T) {
	if !onPostgres() {
		t.Skip("PostgreSQL's search index")
	}
	st, ed := newTestStoreWithEditor(t)
	ctx := context.Background()
	db := st.db.Writer().DB
	exec := func(q string) {
		t.Helper()
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	exec("ALTER TABLE case_search DISABLE TRIGGER case_search_document")
	var ids []string
	// The corpus, and a case file and a note without a single word.
	for _, e := range append(searchCorpus, [3]string{"?!", "", "…"}) {
		title := strings.TrimSpace(e[0])
		if title == "" {
			title = "sans titre"
		}
		c, err := st.CreateCase(ctx, ed, NewCase{Title: title, CategoryID: "autre", Summary: e[1]})
		if err != nil {
			t.Fatalf("%q: %v", e[0], err)
		}
		for _, note := range strings.Split(e[2], "\n") {
			if note == "" {
				continue
			}
			if _, _, err := st.AddNote(ctx, ed, c.ID, NewNote{Body: note}); err != nil {
				t.Fatalf("%q: %v", note, err)
			}
		}
		ids = append(ids, c.ID)
	}
	differing := func() []string {
		return idsOf(t, db, `SELECT case_id FROM case_search
			WHERE document IS DISTINCT FROM array_to_tsvector(search_words(title || ' ' || summary || ' ' || notes)) ORDER BY case_id`)
	}
	var entries int
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM case_search WHERE document IS NOT NULL AND document <> ''::tsvector").Scan(&entries); err != nil {
		t.Fatal(err)
	}
	if entries != len(searchCorpus) {
		t.Errorf("%d entries with words, want %d (all but the one without)", entries, len(searchCorpus))
	}
	if d := differing(); len(d) > 0 {
		t.Fatalf("entries written by the store differ from their folded text: %v", d)
	}
	exec("ALTER TABLE case_search ENABLE TRIGGER case_search_document")
	c, err := st.GetCase(ctx, ed, ids[1])
	if err != nil {
		t.Fatal(err)
	}
	title := "Œuvre renommée Straße"
	if _, err := st.UpdateCase(ctx, ed, c.ID, &c.Version, CaseChange{Title: &title}); err != nil {
		t.Fatal(err)
	}
	if d := differing(); len(d) > 0 {
		t.Fatalf("after a change of title, entries differ from their folded text: %v", d)
	}
	for q, want := range map[string]int{"renommee": 1, "straße": 2, "strasse": 1, "cœur": 1, "œuvre": 1, "complete": 1, "urgent": 1, "sociale": 0} {
		found := idsOf(t, db, "SELECT case_id FROM case_search WHERE document @@ $1::tsquery", search.TSQuery(q))
		if len(found) != want {
			t.Errorf("%q finds %d case files, want %d", q, len(found), want)
		}
	}
}

// An entry left without its document (as the builds between migration 067
// and the store writing every entry's words could leave one) is found by no
// search; migration 069 folds its text once, and the case file is found.
func TestPostgresMigrationFillsMissingDocuments(t *testing.T) {
	if !onPostgres() {
		t.Skip("PostgreSQL's search index")
	}
	st, ed := newTestStoreWithEditor(t)
	ctx := context.Background()
	db := st.db.Writer().DB
	c, err := st.CreateCase(ctx, ed, NewCase{Title: "Famille Nguyễn", CategoryID: "autre", Summary: "Œuvre"})
	if err != nil {
		t.Fatal(err)
	}
	found := func() int {
		return len(idsOf(t, db, "SELECT case_id FROM case_search WHERE document @@ $1::tsquery", search.TSQuery("famille nguyen")))
	}
	if _, err := db.ExecContext(ctx, "UPDATE case_search SET document = NULL WHERE case_id = $1", c.ID); err != nil {
		t.Fatal(err)
	}
	if n := found(); n != 0 {
		t.Fatalf("an entry without its document is found (%d): the test shows nothing", n)
	}
	if _, err := db.ExecContext(ctx, "DELETE FROM bun_migrations WHERE name = '20261201000069'"); err != nil {
		t.Fatal(err)
	}
	applied, err := st.Migrate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(applied, []string{"20261201000069"}) {
		t.Fatalf("applied %v, want 069 alone", applied)
	}
	if n := found(); n != 1 {
		t.Fatalf("after the migration the case file is found %d times, want once", n)
	}
	if d := idsOf(t, db, `SELECT case_id FROM case_search
		WHERE document IS DISTINCT FROM array_to_tsvector(search_words(title || ' ' || summary || ' ' || notes))`); len(d) > 0 {
		t.Fatalf("entries differ from their folded text: %v", d)
	}
}

// Package reporttest reads the text of a PDF back, for tests that check
// what a report says. It uses Debian's pdftotext (poppler-utils), which
// `make go-test` installs: the Go PDF readers tried decode only the last
// byte of the two-byte codes fpdf writes for its Unicode fonts, where every
// viewer and poppler decode both.
package reporttest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Pages returns the text of each page of pdf, in reading order.
func Pages(t testing.TB, pdf []byte) []string {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		t.Fatal("pdftotext is needed to read reports back: `make go-test` installs it (Debian's poppler-utils), or run apt-get install poppler-utils")
	}
	path := filepath.Join(t.TempDir(), "report.pdf")
	if err := os.WriteFile(path, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-enc", "UTF-8", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	// pdftotext ends every page with a form feed.
	pages := strings.Split(string(out), "\f")
	return pages[:len(pages)-1]
}

// Text returns the text of every page of pdf.
func Text(t testing.TB, pdf []byte) string {
	t.Helper()
	return strings.Join(Pages(t, pdf), "\n")
}

package server

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"path"
	"path/filepath"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// spaFile is one file of the built SPA, read once at start.
type spaFile struct {
	body  []byte
	ctype string
	etag  string
}

// spa serves the compiled frontend from memory: the whole dist is a few
// hundred kilobytes, and reading it once keeps the binary free of files beside it.
type spa struct {
	files map[string]spaFile
	index spaFile
}

func loadSPA(dist fs.FS) (*spa, error) {
	s := &spa{files: map[string]spaFile{}}
	err := fs.WalkDir(dist, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := fs.ReadFile(dist, p)
		if err != nil {
			return err
		}
		ctype := mime.TypeByExtension(filepath.Ext(p))
		if ctype == "" {
			ctype = "application/octet-stream"
		}
		sum := sha256.Sum256(body)
		s.files["/"+p] = spaFile{body: body, ctype: ctype, etag: `"` + hex.EncodeToString(sum[:8]) + `"`}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("spa: %w", err)
	}
	idx, ok := s.files["/index.html"]
	if !ok {
		return nil, fmt.Errorf("spa: index.html missing from the built frontend (run npm run build in frontend/)")
	}
	s.index = idx
	return s, nil
}

// handle answers a GET for any path outside /api: a built file when one
// matches, else index.html so the SPA's router takes the path.
func (s *spa) handle(c *fiber.Ctx) error {
	p := path.Clean("/" + c.Params("*"))
	f, ok := s.files[p]
	switch {
	case ok && strings.HasPrefix(p, "/assets/"):
		// Vite puts a content hash in every asset name: it never changes.
		c.Set(fiber.HeaderCacheControl, "public, max-age=31536000, immutable")
	case ok && p != "/index.html":
		c.Set(fiber.HeaderCacheControl, "public, max-age=3600")
	default:
		if strings.HasPrefix(p, "/assets/") {
			return errNotFound
		}
		f = s.index
		// index.html names the current assets; it must be revalidated each time.
		c.Set(fiber.HeaderCacheControl, "no-cache")
	}
	c.Set(fiber.HeaderETag, f.etag)
	if c.Get(fiber.HeaderIfNoneMatch) == f.etag {
		return c.SendStatus(fiber.StatusNotModified)
	}
	c.Set(fiber.HeaderContentType, f.ctype)
	return c.Send(f.body)
}

package store

import (
	"bytes"
	"context"
	"image"
	"image/draw"
	_ "image/jpeg" // image.Decode reads JPEG logos and stamps
	"image/png"

	"github.com/uptrace/bun"
)

// A unit's logo and stamp: small PNG or JPEG images, checked by their
// content, kept in the units table and printed on the unit's reports.

// Unit images.
const (
	UnitLogo  = "logo"
	UnitStamp = "stamp"
)

// Limits of a unit's image: its size, and its width and height (a small
// file may still unpack into a huge bitmap).
const (
	UnitImageMaxBytes  = 512 << 10
	unitImageMaxPixels = 4096
)

// unitImageTypes are the types a logo or a stamp may have.
var unitImageTypes = map[string]bool{"image/png": true, "image/jpeg": true}

// checkUnitImage checks an uploaded logo or stamp and returns its media
// type and the bytes to keep: a PNG that the report's PDF writer cannot
// embed as it is (16 bits per channel, interlaced) is re-encoded.
func checkUnitImage(content []byte) (string, []byte, error) {
	switch {
	case len(content) == 0:
		return "", nil, Invalid("file", "required")
	case len(content) > UnitImageMaxBytes:
		return "", nil, Invalid("file", "max_size=524288")
	}
	mediaType := sniff(content, func(t string) bool { return unitImageTypes[t] })
	if mediaType == "" {
		return "", nil, Invalid("file", "type_not_allowed")
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(content))
	if err != nil {
		return "", nil, Invalid("file", "invalid_image")
	}
	if cfg.Width > unitImageMaxPixels || cfg.Height > unitImageMaxPixels || cfg.Width == 0 || cfg.Height == 0 {
		return "", nil, Invalid("file", "dimensions")
	}
	img, _, err := image.Decode(bytes.NewReader(content))
	if err != nil {
		return "", nil, Invalid("file", "invalid_image")
	}
	if mediaType == "image/png" && !plainPNG(content) {
		// Eight bits per channel, not interlaced, what every PDF writer embeds.
		flat := image.NewNRGBA(img.Bounds())
		draw.Draw(flat, flat.Bounds(), img, img.Bounds().Min, draw.Src)
		var buf bytes.Buffer
		if err := png.Encode(&buf, flat); err != nil {
			return "", nil, err
		}
		if buf.Len() > UnitImageMaxBytes {
			return "", nil, Invalid("file", "max_size=524288")
		}
		content = buf.Bytes()
	}
	return mediaType, content, nil
}

// plainPNG tells whether a PNG has at most 8 bits per channel and is not
// interlaced (its IHDR chunk, right after the signature, says so).
func plainPNG(b []byte) bool {
	return len(b) > 28 && b[24] <= 8 && b[28] == 0
}

// imageColumns are the columns of a unit's image.
func imageColumns(which string) (data, mediaType string, err error) {
	switch which {
	case UnitLogo:
		return "logo", "logo_type", nil
	case UnitStamp:
		return "stamp", "stamp_type", nil
	}
	return "", "", ErrNotFound
}

// SetUnitImage replaces a unit's logo or stamp (which): its keepers (see
// UpdateUnit; a centrally managed organisation leaves them these settings),
// or with remove takes it away.
func (s *Store) SetUnitImage(ctx context.Context, actor Actor, id, which string, content []byte, remove bool) (*UnitView, error) {
	sc, err := s.actingScope(ctx, actor)
	if err != nil {
		return nil, err
	}
	dataCol, typeCol, err := imageColumns(which)
	if err != nil {
		return nil, err
	}
	var out *UnitView
	err = s.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		t, err := keptScope(ctx, tx, sc, ScopeTypeUnit, id)
		if err != nil {
			return err
		}
		var mediaType string
		var data []byte
		action := "unit." + which + "_removed"
		if !remove {
			if mediaType, data, err = checkUnitImage(content); err != nil {
				return err
			}
			action = "unit." + which + "_set"
		}
		if _, err := tx.NewUpdate().Model((*Unit)(nil)).Where("id = ?", id).
			Set("? = ?", bun.Ident(dataCol), data).Set("? = ?", bun.Ident(typeCol), mediaType).Set("updated_at = ?", s.now()).
			Exec(ctx); err != nil {
			return err
		}
		if err := s.appendAudit(ctx, tx, actor, t.audit(Audit{Action: action, ObjectType: "unit", ObjectID: id,
			Details: map[string]any{"type": mediaType, "size": len(data)}})); err != nil {
			return err
		}
		out, err = s.unitViewByID(ctx, tx, sc, id)
		return err
	})
	return out, err
}

// UnitImage reads a unit's logo or stamp (which), for the preview in its
// settings: its keepers only. A unit without one gives ErrNotFound.
func (s *Store) UnitImage(ctx context.Context, actor Actor, id, which string) (string, []byte, error) {
	sc, err := s.actingScope(ctx, actor)
	if err != nil {
		return "", nil, err
	}
	dataCol, typeCol, err := imageColumns(which)
	if err != nil {
		return "", nil, err
	}
	if _, err := keptScope(ctx, s.read, sc, ScopeTypeUnit, id); err != nil {
		return "", nil, err
	}
	var data []byte
	var mediaType string
	if err := s.read.NewSelect().Model((*Unit)(nil)).ColumnExpr("?, ?", bun.Ident(dataCol), bun.Ident(typeCol)).
		Where("id = ?", id).Scan(ctx, &data, &mediaType); err != nil {
		return "", nil, notFound(err)
	}
	if mediaType == "" || len(data) == 0 {
		return "", nil, ErrNotFound
	}
	return mediaType, data, nil
}

// Letterhead is who a case file's report comes from: its unit's name, logo
// and stamp (empty when it has none).
type Letterhead struct {
	Name      string
	Logo      []byte
	LogoType  string
	Stamp     []byte
	StampType string
}

// letterhead reads the letterhead of a unit.
func (s *Store) letterhead(ctx context.Context, db bun.IDB, unitID string) (Letterhead, error) {
	var lh Letterhead
	err := db.NewSelect().Model((*Unit)(nil)).Column("name", "logo", "logo_type", "stamp", "stamp_type").Where("id = ?", unitID).
		Scan(ctx, &lh.Name, &lh.Logo, &lh.LogoType, &lh.Stamp, &lh.StampType)
	return lh, notFound(err)
}

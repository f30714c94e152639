package main

import (
	"embed"
	"io/fs"
)

// frontendDist is the compiled SPA. It is committed, so building the binary
// needs no Node; `make test` checks that it matches a fresh build of frontend/src.
//
//go:embed all:frontend/dist
var frontendDist embed.FS

// spaFS is the content of frontend/dist, rooted so that "index.html" is at the top.
func spaFS() fs.FS {
	sub, err := fs.Sub(frontendDist, "frontend/dist")
	if err != nil {
		panic(err) // the path is a constant checked by the compiler's embed
	}
	return sub
}
